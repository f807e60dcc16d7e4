#include "bulkqa/util/csv_records.hpp"

#include <csv.h>

#include <optional>

#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";
// What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
constexpr std::string_view kFormulaStarts = "=+-@\t\r";

}  // namespace

// Drives libcsv one physical line at a time, so that every record can be given the line it
// starts on (libcsv itself reports no positions).
class CsvReader::Parser {
 public:
  Parser(std::string_view error_code, CsvRecordHandler on_record)
      : error_code_(error_code), on_record_(std::move(on_record)) {
    csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI);
  }
  ~Parser() { csv_free(&parser_); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  Status feed(std::string_view text) {
    if (!past_start_) {
      const std::size_t taken = std::min(text.size(), kUtf8ByteOrderMark.size() - start_.size());
      start_.append(text.substr(0, taken));
      text.remove_prefix(taken);
      if (start_.size() < kUtf8ByteOrderMark.size() && kUtf8ByteOrderMark.starts_with(start_)) {
        return {};
      }
      feed_start();
    }
    feed_lines(text);
    return status();
  }

  Status finish() {
    if (!past_start_) feed_start();
    if (!error_ && csv_fini(&parser_, on_field, on_record_end, this) != 0) {
      error_ = csv_line_error(error_code_, record_line_, "a quoted field is never closed");
    }
    return status();
  }

 private:
  // The first bytes wait in start_ until they show whether the text opens with a byte order
  // mark, which is skipped, even when the pieces split it.
  void feed_start() {
    past_start_ = true;
    if (start_ != kUtf8ByteOrderMark) feed_lines(start_);
  }

  void feed_lines(std::string_view text) {
    while (!text.empty() && !error_) {
      const std::size_t newline = text.find('\n');
      const std::size_t length = newline == std::string_view::npos ? text.size() : newline + 1;
      parse(text.substr(0, length));
      if (newline != std::string_view::npos) ++line_;
      text.remove_prefix(length);
    }
  }

  // `text` lies within line line_.
  void parse(std::string_view text) {
    // libcsv skips blank lines between records, so a record starts on the next non-blank one.
    if (!in_record_ && !is_blank(text)) {
      record_line_ = line_;
      in_record_ = true;
    }
    if (csv_parse(&parser_, text.data(), text.size(), on_field, on_record_end, this) !=
            text.size() &&
        !error_) {
      error_ = csv_line_error(error_code_, line_,
                              "malformed quoting (a quote inside an unquoted field, or text after "
                              "a closing quote)");
    }
  }

  static void on_field(void* data, std::size_t size, void* self) {
    const char* text = static_cast<const char*>(data);
    static_cast<Parser*>(self)->add_field(size == 0 ? std::string_view{}
                                                    : std::string_view(text, size));
  }
  static void on_record_end(int, void* self) { static_cast<Parser*>(self)->end_record(); }

  void add_field(std::string_view text) {
    if (error_) return;
    // The strings are reused from record to record, sparing an allocation per field.
    if (field_count_ == fields_.size()) {
      fields_.emplace_back(text);
    } else {
      fields_[field_count_].assign(text);
    }
    ++field_count_;
  }

  void end_record() {
    const CsvRecordView record{record_line_, std::span(fields_).first(field_count_)};
    field_count_ = 0;
    in_record_ = false;
    // A lone CR ends a record mid-line; the next record then starts on this same line.
    record_line_ = line_;
    if (error_) return;
    if (Status handled = on_record_(record); !handled) error_ = handled.error();
  }

  Status status() const {
    if (error_) return *error_;
    return {};
  }

  std::string error_code_;
  CsvRecordHandler on_record_;
  csv_parser parser_;
  std::string start_;
  bool past_start_ = false;
  std::vector<std::string> fields_;  // field_count_ of them are the current record's
  std::size_t field_count_ = 0;
  std::size_t line_ = 1;
  std::size_t record_line_ = 1;
  bool in_record_ = false;
  std::optional<Error> error_;
};

CsvReader::CsvReader(std::string_view error_code, CsvRecordHandler on_record)
    : parser_(std::make_unique<Parser>(error_code, std::move(on_record))) {}

CsvReader::~CsvReader() = default;

Status CsvReader::feed(std::string_view text) {
  return parser_->feed(text);
}

Status CsvReader::finish() {
  return parser_->finish();
}

Status read_csv(std::string_view csv_text, std::string_view error_code,
                const CsvRecordHandler& on_record) {
  CsvReader reader(error_code, on_record);
  if (Status fed = reader.feed(csv_text); !fed) return fed;
  return reader.finish();
}

Result<std::vector<CsvRecord>> read_csv_records(std::string_view csv_text,
                                                std::string_view error_code) {
  std::vector<CsvRecord> records;
  Status read = read_csv(csv_text, error_code, [&records](const CsvRecordView& record) {
    records.push_back({record.line, {record.fields.begin(), record.fields.end()}});
    return Status{};
  });
  if (!read) return read.error();
  return records;
}

Error csv_line_error(std::string_view error_code, std::size_t line, const std::string& message) {
  return make_error(std::string(error_code), "line " + std::to_string(line) + ": " + message);
}

CsvCell CsvCell::text(std::string_view text) {
  const bool runs_as_formula =
      !text.empty() && kFormulaStarts.find(text.front()) != std::string_view::npos;
  // Readers (libcsv here) drop blanks around an unquoted field: quoting keeps them.
  const bool has_outer_blank = trim_blanks(text).size() != text.size();
  if (!runs_as_formula && !has_outer_blank &&
      text.find_first_of(",\"\r\n") == std::string_view::npos) {
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
