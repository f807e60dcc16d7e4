// CSV text as records, each with the line it starts on, for parsers whose errors must name lines.
// Quoted fields (with commas, doubled quotes and newlines), LF or CRLF line ends and a leading
// UTF-8 byte order mark are accepted; blank lines between records are skipped. Lines count from 1.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
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

}  // namespace bulkqa
