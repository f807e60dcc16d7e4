#include "bulkqa/util/csv_records.hpp"

#include <csv.h>

namespace bulkqa {

namespace {

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";
// What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
constexpr std::string_view kFormulaStarts = "=+-@\t\r";

bool is_blank_line(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Drives libcsv one physical line at a time, so that every record can be given the line it
// starts on (libcsv itself reports no positions).
class CsvRecordReader {
 public:
  explicit CsvRecordReader(std::string_view error_code) : error_code_(error_code) {
    csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI);
  }
  ~CsvRecordReader() { csv_free(&parser_); }
  CsvRecordReader(const CsvRecordReader&) = delete;
  CsvRecordReader& operator=(const CsvRecordReader&) = delete;

  Result<std::vector<CsvRecord>> read(std::string_view csv_text) {
    if (csv_text.starts_with(kUtf8ByteOrderMark)) {
      csv_text.remove_prefix(kUtf8ByteOrderMark.size());
    }
    for (std::size_t line = 1; !csv_text.empty(); ++line) {
      const std::size_t newline = csv_text.find('\n');
      const std::size_t length = newline == std::string_view::npos ? csv_text.size() : newline + 1;
      if (Status fed = feed_line(csv_text.substr(0, length), line); !fed) return fed.error();
      csv_text.remove_prefix(length);
    }
    if (csv_fini(&parser_, on_field, on_record_end, this) != 0) {
      return csv_line_error(error_code_, record_line_, "a quoted field is never closed");
    }
    return std::move(records_);
  }

 private:
  Status feed_line(std::string_view text, std::size_t line) {
    current_line_ = line;
    // libcsv skips blank lines between records, so a record starts on the next non-blank one.
    if (!in_record_ && !is_blank_line(text)) {
      record_line_ = line;
      in_record_ = true;
    }
    if (csv_parse(&parser_, text.data(), text.size(), on_field, on_record_end, this) !=
        text.size()) {
      return csv_line_error(error_code_, line,
                            "malformed quoting (a quote inside an unquoted field, or text after "
                            "a closing quote)");
    }
    return {};
  }

  static void on_field(void* data, std::size_t size, void* self) {
    auto& reader = *static_cast<CsvRecordReader*>(self);
    reader.fields_.emplace_back(size == 0 ? std::string()
                                          : std::string(static_cast<char*>(data), size));
  }

  static void on_record_end(int, void* self) {
    auto& reader = *static_cast<CsvRecordReader*>(self);
    reader.records_.push_back({reader.record_line_, std::move(reader.fields_)});
    reader.fields_.clear();
    reader.in_record_ = false;
    // A lone CR ends a record mid-line; the next record then starts on this same line.
    reader.record_line_ = reader.current_line_;
  }

  std::string_view error_code_;
  csv_parser parser_;
  std::vector<std::string> fields_;
  std::vector<CsvRecord> records_;
  std::size_t current_line_ = 1;
  std::size_t record_line_ = 1;
  bool in_record_ = false;
};

}  // namespace

Error csv_line_error(std::string_view error_code, std::size_t line, const std::string& message) {
  return make_error(std::string(error_code), "line " + std::to_string(line) + ": " + message);
}

Result<std::vector<CsvRecord>> read_csv_records(std::string_view csv_text,
                                                std::string_view error_code) {
  return CsvRecordReader(error_code).read(csv_text);
}

CsvCell CsvCell::text(std::string_view text) {
  const bool runs_as_formula =
      !text.empty() && kFormulaStarts.find(text.front()) != std::string_view::npos;
  if (!runs_as_formula && text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return CsvCell(std::string(text));
  }
  std::string quoted = runs_as_formula ? "\"'" : "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return CsvCell(quoted + '"');
}

CsvCell CsvCell::number(std::string formatted) {
  return CsvCell(std::move(formatted));
}

std::string csv_line(const std::vector<CsvCell>& cells) {
  std::string line;
  for (std::size_t at = 0; at < cells.size(); ++at) {
    if (at > 0) line += ',';
    line += cells[at].written();
  }
  return line + "\n";
}

}  // namespace bulkqa
