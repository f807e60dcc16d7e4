#include "bulkqa/aws/sts.hpp"

#include <charconv>

#include <pugixml.hpp>

#include "bulkqa/util/text.hpp"

namespace bulkqa::aws {
namespace {

constexpr const char* kSessionDurationSeconds = "3600";

Error invalid_response(std::string message) {
  return make_error(errc::kInvalidResponse, "AssumeRole answer: " + std::move(message));
}

// The number in text[start, start + length), or -1 when it is not all digits.
int digits_at(std::string_view text, std::size_t start, std::size_t length) {
  if (start + length > text.size()) return -1;
  int value = 0;
  const char* first = text.data() + start;
  const auto [end, error] = std::from_chars(first, first + length, value);
  return error == std::errc() && end == first + length ? value : -1;
}

}  // namespace

constexpr int kEarliestYear = 1970;
constexpr int kLatestYear = 2200;

Result<std::chrono::system_clock::time_point> parse_utc_timestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z
  const int year = digits_at(text, 0, 4);
  const int month = digits_at(text, 5, 2);
  const int day = digits_at(text, 8, 2);
  const int hour = digits_at(text, 11, 2);
  const int minute = digits_at(text, 14, 2);
  const int second = digits_at(text, 17, 2);
  std::size_t end = 19;
  if (end < text.size() && text[end] == '.') {
    ++end;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  }
  const bool shaped = text.size() == end + 1 && text[4] == '-' && text[7] == '-' &&
                      text[10] == 'T' && text[13] == ':' && text[16] == ':' && text[end] == 'Z';
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(day)};
  // system_clock counts nanoseconds in 64 bits, from 1678 to 2262: years outside the range kept
  // here would overflow it.
  const bool representable = year >= kEarliestYear && year <= kLatestYear;
  if (!shaped || !representable || !date.ok() || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60) {
    return make_error(errc::kInvalidTimestamp,
                      quote_value(text) + " is not a UTC timestamp like 2024-05-01T12:34:56Z");
  }
  return std::chrono::system_clock::time_point(
      std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
      std::chrono::seconds(second));
}

Result<TemporaryCredentials> parse_assume_role_response(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) return invalid_response("not XML");
  const auto node =
      document.child("AssumeRoleResponse").child("AssumeRoleResult").child("Credentials");
  if (!node) return invalid_response("no AssumeRoleResponse/AssumeRoleResult/Credentials");
  TemporaryCredentials result;
  result.credentials = {node.child_value("AccessKeyId"), node.child_value("SecretAccessKey"),
                        node.child_value("SessionToken")};
  for (const auto& [name, value] :
       {std::pair{"AccessKeyId", &result.credentials.access_key_id},
        std::pair{"SecretAccessKey", &result.credentials.secret_access_key},
        std::pair{"SessionToken", &result.credentials.session_token}}) {
    if (value->empty()) return invalid_response("Credentials has no " + std::string(name));
  }
  auto expiration = parse_utc_timestamp(node.child_value("Expiration"));
  if (!expiration) return invalid_response("Credentials/Expiration: " + expiration.error().message);
  result.expiration = *expiration;
  return result;
}

StsClient::StsClient(const AwsConfig& config, HttpClient& http, RetryOptions retry)
    : client_("sts", config.sts, config.region, credential_source_of(config), http, retry) {}

Result<Credentials> StsClient::assume_role(const std::string& role_arn,
                                           const std::string& session_name,
                                           std::chrono::system_clock::time_point now) {
  if (const auto cached = cache_.find(role_arn);
      cached != cache_.end() && cached->second.expiration > now + kCredentialRenewalMargin) {
    return cached->second.credentials;
  }
  auto answer = client_.call(form_post_request({{"Action", "AssumeRole"},
                                                {"Version", "2011-06-15"},
                                                {"RoleArn", role_arn},
                                                {"RoleSessionName", session_name},
                                                {"DurationSeconds", kSessionDurationSeconds}}));
  if (!answer) return with_context("AssumeRole " + role_arn, answer.error());
  auto assumed = parse_assume_role_response(answer->body);
  if (!assumed) return assumed.error();
  cache_[role_arn] = *assumed;
  return assumed->credentials;
}

}  // namespace bulkqa::aws
