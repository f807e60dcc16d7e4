// CSV both ways. Reading: CSV text as records, each with the line it starts on, for parsers whose
// errors must name lines. Quoted fields (with commas, doubled quotes and newlines), LF or CRLF line
// ends and a leading UTF-8 byte order mark are accepted; blank lines between records are skipped.
// Lines count from 1. CsvReader streams: it takes the text in pieces and hands over each record as
// soon as it is complete, holding one record at a time; read_csv_records collects them all, for
// small files. Writing: lines of cells, safe to open in a spreadsheet.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

// A record as CsvReader hands it over: the fields are valid only during that call.
struct CsvRecordView {
  std::size_t line;  // where the record starts
  std::span<const std::string> fields;
};

// Called with each record in order; an error it returns ends the reading.
using CsvRecordHandler = std::function<Status(const CsvRecordView&)>;

// The first error ends the reading, and feed() and finish() return it from then on: malformed
// quoting (a quote inside an unquoted field, text after a closing quote, a quoted field never
// closed), as an Error with `error_code` naming the line, or whatever `on_record` returned.
class CsvReader {
 public:
  CsvReader(std::string_view error_code, CsvRecordHandler on_record);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next piece of the text, of any size and split anywhere.
  Status feed(std::string_view text);
  // The end of the text: hands over a last record that no line end follows. Call it once.
  Status finish();

 private:
  class Parser;  // libcsv stays out of this header
  std::unique_ptr<Parser> parser_;
};

// The whole of `csv_text` through a CsvReader.
Status read_csv(std::string_view csv_text, std::string_view error_code,
                const CsvRecordHandler& on_record);

struct CsvRecord {
  std::size_t line;  // where the record starts
  std::vector<std::string> fields;
};

// Every record in order, or the reader's error (see CsvReader).
Result<std::vector<CsvRecord>> read_csv_records(std::string_view csv_text,
                                                std::string_view error_code);

// "line <line>: <message>" as an Error with `error_code`.
Error csv_line_error(std::string_view error_code, std::size_t line, const std::string& message);

// A cell of a CSV line to write, either text or a number.
// Text (labels, URLs, names: anything that may come from input) is quoted, inner quotes doubled
// (RFC 4180), when it holds a comma, a quote or a line break. Text that starts with '=', '+', '-',
// '@', a tab or a carriage return, which a spreadsheet would run as a formula, also gets a ' in
// front and is always quoted, as OWASP advises against CSV injection: "=1+1" is written "'=1+1".
// A number the program formatted itself ("97.5", "-2") is written as it is, and stays a number.
class CsvCell {
 public:
  static CsvCell text(std::string_view text);
  static CsvCell number(std::string formatted);

  const std::string& written() const { return written_; }

 private:
  explicit CsvCell(std::string written) : written_(std::move(written)) {}
  std::string written_;
};

// The cells as one CSV line, separated by commas, ending in "\n".
std::string csv_line(const std::vector<CsvCell>& cells);

}  // namespace bulkqa
