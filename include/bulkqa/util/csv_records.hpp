// CSV both ways. Reading: CSV text as records, each with the line it starts on, for parsers whose
// errors must name lines. Quoted fields (with commas, doubled quotes and newlines), LF or CRLF line
// ends and a leading UTF-8 byte order mark are accepted; blank lines between records are skipped.
// Lines count from 1. Writing: lines of cells, safe to open in a spreadsheet.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

struct CsvRecord {
  std::size_t line;  // where the record starts
  std::vector<std::string> fields;
};

// Every record in order, or an Error with `error_code` naming the line of malformed quoting (a
// quote inside an unquoted field, text after a closing quote, a quoted field never closed).
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
