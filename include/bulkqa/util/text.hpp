// Text helpers shared by the core's parsers: ASCII character tests, trimming and case, exact
// number parsing, UTF-8 checks, and quoting untrusted values into error messages.
//
// Character tests are ASCII only and written out: <cctype>'s answers depend on the process's
// locale, and protocol text (HTTP header names, SigV4, CSV headers) must not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bulkqa {

bool is_ascii_alphanumeric(char c);
// The C0 controls (0x00 to 0x1F) and DEL.
bool is_ascii_control(char c);
bool contains_ascii_control(std::string_view text);

// Whether valid UTF-8 `utf8` holds one of Unicode's control characters: C0 (U+0000-U+001F), DEL
// or C1 (U+0080-U+009F).
bool contains_control_character(std::string_view utf8);

char to_ascii_lower(char c);
// `text` with its ASCII capitals lowered; other bytes (UTF-8 included) as they are.
std::string to_ascii_lower(std::string_view text);

// `text` without ASCII spaces and tabs at either end.
std::string_view trim_blanks(std::string_view text);

// `text` without spaces, tabs, CRs and LFs at either end.
std::string_view trim_whitespace(std::string_view text);

// Whether `text` is empty or only spaces, tabs, CRs and LFs.
bool is_blank(std::string_view text);

// The whole of `text` as a finite decimal number ("97.5", "-1", "1e2"); nullopt for anything
// else, including blanks, a leading '+', "nan" and "inf".
std::optional<double> parse_finite_number(std::string_view text);

// The whole of `text` as a decimal integer made only of digits; nullopt otherwise or on overflow.
std::optional<std::uint64_t> parse_unsigned(std::string_view text);

// Whether `a` and `b` are equal once ASCII letters are lowered (other bytes compare as they are).
bool equals_ignoring_ascii_case(std::string_view a, std::string_view b);

// The shortest decimal text that reads back as `value` ("85", "82.5", "0.1").
std::string shortest_decimal(double value);

// `value` with exactly `decimals` digits after the point, rounded ("82.50", "3").
std::string fixed_decimal(double value, int decimals);

bool is_valid_utf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` that does not end inside a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// `text` in single quotes for an error message: cut (UTF-8-safe, marked "...") when long, so a
// huge bad value cannot flood a log line, and control characters shown as \xNN.
std::string quote_value(std::string_view text);

}  // namespace bulkqa
