#include "bulkqa/report/review_export.hpp"

#include <array>
#include <map>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "bulkqa/util/csv_records.hpp"
#include "bulkqa/util/json_fields.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

enum Column : std::size_t {
  kUrlColumn,
  kLabelColumn,
  kConfidenceColumn,
  kConfirmColumn,
  kDisconfirmColumn,
  kColumnCount
};
constexpr std::array<std::string_view, kColumnCount> kColumnNames{
    "s3_image_url", "label", "confidence", "WorkerConfirmCount", "WorkerDisconfirmCount"};
constexpr std::size_t kRequiredColumns = 3;  // the counts may be missing

Error line_error(std::size_t line, const std::string& message) {
  return csv_line_error(errc::kInvalidReviewExport, line, message);
}

Error field_error(std::size_t line, Column column, const std::string& problem) {
  return line_error(line, "field '" + std::string(kColumnNames[column]) + "' " + problem);
}

// The DynamoDB console names exported columns "confidence (N)"; the type is not part of the name.
std::string_view column_name(std::string_view header_field) {
  std::string_view name = trim_blanks(header_field);
  const std::size_t open = name.rfind(" (");
  if (open == std::string_view::npos || !name.ends_with(')')) return name;
  const std::string_view type = name.substr(open + 2, name.size() - open - 3);
  const bool is_type = !type.empty() && type.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
                                            std::string_view::npos;
  return is_type ? trim_blanks(name.substr(0, open)) : name;
}

// Checks shared by both formats, once the fields are read.
Status check_image(const ReviewedImage& image, std::size_t line) {
  if (image.s3_image_url.empty()) return field_error(line, kUrlColumn, "is empty");
  if (!is_valid_utf8(image.s3_image_url)) {
    return field_error(line, kUrlColumn, "is not valid UTF-8");
  }
  if (image.label.empty()) return field_error(line, kLabelColumn, "is empty");
  if (!is_valid_utf8(image.label)) return field_error(line, kLabelColumn, "is not valid UTF-8");
  if (image.confidence < 0 || image.confidence > 100) {
    return field_error(line, kConfidenceColumn,
                       shortest_decimal(image.confidence) + " is outside [0, 100]");
  }
  return {};
}

// Collects the images, refusing the same (url, label) twice.
class ImageCollector {
 public:
  Status add(ReviewedImage image, std::size_t line) {
    if (Status checked = check_image(image, line); !checked) return checked;
    const auto [first, inserted] =
        lines_.try_emplace(std::pair(image.s3_image_url, image.label), line);
    if (!inserted) {
      return line_error(line, "image " + quote_value(image.s3_image_url) + " with label " +
                                  quote_value(image.label) + " repeats line " +
                                  std::to_string(first->second));
    }
    images_.push_back(std::move(image));
    return {};
  }

  std::vector<ReviewedImage> take() { return std::move(images_); }

 private:
  std::map<std::pair<std::string, std::string>, std::size_t> lines_;
  std::vector<ReviewedImage> images_;
};

using ColumnPositions = std::array<std::optional<std::size_t>, kColumnCount>;

Result<ColumnPositions> find_columns(const CsvRecord& header) {
  ColumnPositions found;
  for (std::size_t field = 0; field < header.fields.size(); ++field) {
    const std::string_view name = column_name(header.fields[field]);
    for (std::size_t column = 0; column < kColumnCount; ++column) {
      if (!equals_ignoring_ascii_case(name, kColumnNames[column])) continue;
      if (found[column]) {
        return line_error(header.line, "duplicate column '" + std::string(kColumnNames[column]) +
                                           "' (header fields " +
                                           std::to_string(*found[column] + 1) + " and " +
                                           std::to_string(field + 1) + ")");
      }
      found[column] = field;
    }
  }
  std::string missing;
  for (std::size_t column = 0; column < kRequiredColumns; ++column) {
    if (found[column]) continue;
    missing += (missing.empty() ? "'" : ", '") + std::string(kColumnNames[column]) + "'";
  }
  if (!missing.empty()) return line_error(header.line, "header has no column " + missing);
  return found;
}

Result<std::size_t> csv_count(const CsvRecord& row, const ColumnPositions& columns, Column column) {
  if (!columns[column]) return std::size_t{0};
  const std::string_view text = trim_blanks(row.fields[*columns[column]]);
  if (text.empty()) return std::size_t{0};
  const std::optional<std::uint64_t> count = parse_unsigned(text);
  if (!count) {
    return field_error(row.line, column, quote_value(text) + " is not a whole number >= 0");
  }
  return static_cast<std::size_t>(*count);
}

Result<ReviewedImage> csv_image(const CsvRecord& row, const ColumnPositions& columns,
                                std::size_t header_fields) {
  if (row.fields.size() != header_fields) {
    return line_error(row.line, "expected " + std::to_string(header_fields) +
                                    " fields as in the header, found " +
                                    std::to_string(row.fields.size()));
  }
  const std::string& confidence_text = row.fields[*columns[kConfidenceColumn]];
  const std::optional<double> confidence = parse_finite_number(trim_blanks(confidence_text));
  if (!confidence) {
    return field_error(row.line, kConfidenceColumn,
                       quote_value(confidence_text) + " is not a finite number");
  }
  auto confirms = csv_count(row, columns, kConfirmColumn);
  if (!confirms) return confirms.error();
  auto disconfirms = csv_count(row, columns, kDisconfirmColumn);
  if (!disconfirms) return disconfirms.error();
  return ReviewedImage{row.fields[*columns[kUrlColumn]], row.fields[*columns[kLabelColumn]],
                       *confidence, *confirms, *disconfirms};
}

Error at_line(std::size_t line, const Error& error) {
  return line_error(line, error.message);
}

Result<std::size_t> json_count(const JsonObjectReader& object, Column column) {
  const nlohmann::json* value = object.find(kColumnNames[column]);
  if (value == nullptr) return std::size_t{0};
  if (!value->is_number_unsigned()) {
    return object.type_error(kColumnNames[column], "a whole number >= 0", *value);
  }
  return value->get<std::size_t>();
}

Result<ReviewedImage> json_image(const nlohmann::json& value) {
  auto object = JsonObjectReader::open(value, "", errc::kInvalidReviewExport);
  if (!object) return object.error();
  auto url = object->required_string(kColumnNames[kUrlColumn]);
  if (!url) return url.error();
  auto label = object->required_string(kColumnNames[kLabelColumn]);
  if (!label) return label.error();
  const std::string_view confidence_name = kColumnNames[kConfidenceColumn];
  const nlohmann::json* confidence = object->find(confidence_name);
  if (confidence == nullptr) return object->error(confidence_name, "missing");
  if (!confidence->is_number()) return object->type_error(confidence_name, "a number", *confidence);
  auto confirms = json_count(*object, kConfirmColumn);
  if (!confirms) return confirms.error();
  auto disconfirms = json_count(*object, kDisconfirmColumn);
  if (!disconfirms) return disconfirms.error();
  return ReviewedImage{*url, *label, confidence->get<double>(), *confirms, *disconfirms};
}

}  // namespace

Result<std::vector<ReviewedImage>> parse_review_csv(std::string_view text) {
  auto records = read_csv_records(text, errc::kInvalidReviewExport);
  if (!records) return records.error();
  if (records->empty()) return line_error(1, "no header (the text is empty)");
  const CsvRecord& header = records->front();
  auto columns = find_columns(header);
  if (!columns) return columns.error();
  ImageCollector images;
  for (std::size_t at = 1; at < records->size(); ++at) {
    const CsvRecord& row = (*records)[at];
    auto image = csv_image(row, *columns, header.fields.size());
    if (!image) return image.error();
    if (Status added = images.add(std::move(*image), row.line); !added) return added.error();
  }
  return images.take();
}

Result<std::vector<ReviewedImage>> parse_review_json_lines(std::string_view text) {
  ImageCollector images;
  for (std::size_t line = 1; !text.empty(); ++line) {
    const std::size_t newline = text.find('\n');
    const std::string_view content = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (is_blank(content)) continue;
    const auto value = nlohmann::json::parse(content, nullptr, false);
    if (value.is_discarded()) return line_error(line, "not a valid JSON value");
    auto image = json_image(value);
    if (!image) return at_line(line, image.error());
    if (Status added = images.add(std::move(*image), line); !added) return added.error();
  }
  return images.take();
}

Result<std::vector<ReviewedImage>> parse_review_export(std::string_view text) {
  constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";
  std::string_view body = text;
  if (body.starts_with(kUtf8ByteOrderMark)) body.remove_prefix(kUtf8ByteOrderMark.size());
  if (trim_whitespace(body).starts_with('{')) return parse_review_json_lines(body);
  return parse_review_csv(text);
}

}  // namespace bulkqa
