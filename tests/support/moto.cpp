#include "support/moto.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <pugixml.hpp>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/aws/service_client.hpp"

namespace bulkqa::testing {
namespace {

constexpr const char* kRegion = "us-east-1";

// A port the kernel just handed out; moto binds it a moment later.
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::filesystem::path find_python() {
  if (const char* configured = std::getenv("BULKQA_PYTHON")) return configured;
  const char* path = std::getenv("PATH");
  std::string directories = path ? path : "/usr/bin";
  std::size_t start = 0;
  while (start <= directories.size()) {
    const auto end = directories.find(':', start);
    const std::filesystem::path candidate =
        std::filesystem::path(directories.substr(start, end - start)) / "python3";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  throw std::runtime_error("python3 (with moto) is not on PATH");
}

void wait_until_serving(aws::HttpClient& http, const std::string& endpoint,
                        local::FunctionProcess& process) {
  // Readiness poll: moto takes a second or two to import; the bound keeps a broken start finite.
  for (int attempt = 0; attempt < 600; ++attempt) {
    auto answer = http.send({"GET", endpoint + "/moto-api/", {}, ""});
    if (answer && answer->status == 200) return;
    if (!process.running()) throw std::runtime_error("moto_server exited during start-up");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("moto_server did not start serving at " + endpoint);
}

std::string xml_value(const std::string& xml, const char* path) {
  pugi::xml_document document;
  document.load_buffer(xml.data(), xml.size());
  return document.select_node(path).node().child_value();
}

}  // namespace

MotoServer& MotoServer::shared() {
  static MotoServer server;
  return server;
}

MotoServer::MotoServer() {
  const int port = free_loopback_port();
  endpoint_ = "http://127.0.0.1:" + std::to_string(port);
  const char* log_dir = std::getenv("BULKQA_TEST_LOG_DIR");
  const std::filesystem::path log_file =
      std::filesystem::path(log_dir ? log_dir : "/tmp") / ("moto-" + std::to_string(port) + ".log");
  auto started = local::FunctionProcess::start(
      find_python(), {{"INITIAL_NO_AUTH_ACTION_COUNT", "3"}, {"MOTO_PORT", std::to_string(port)}},
      log_file, {"-m", "moto.server", "-H", "127.0.0.1", "-p", std::to_string(port)});
  if (!started) throw std::runtime_error(started.error().describe());
  process_ = std::make_unique<local::FunctionProcess>(std::move(*started));

  aws::HttpClient http;
  wait_until_serving(http, endpoint_, *process_);

  // The three calls moto lets through unauthenticated make an administrator; from then on every
  // call is checked. The placeholder key only gives moto the credential scope to route by.
  const aws::Credentials bootstrap{"AKIABOOTSTRAP0000000", "bootstrap-secret", ""};
  iam_call("CreateUser", {{"UserName", "bulkqa-admin"}}, bootstrap);
  const std::string key = iam_call("CreateAccessKey", {{"UserName", "bulkqa-admin"}}, bootstrap);
  admin_ = {xml_value(key, "//AccessKey/AccessKeyId"), xml_value(key, "//AccessKey/SecretAccessKey"),
            ""};
  const nlohmann::json everything = {
      {"Version", "2012-10-17"},
      {"Statement", {{{"Effect", "Allow"}, {"Action", "*"}, {"Resource", "*"}}}}};
  iam_call("PutUserPolicy",
           {{"UserName", "bulkqa-admin"}, {"PolicyName", "everything"}, {"PolicyDocument", everything.dump()}},
           bootstrap);
}

MotoServer::~MotoServer() = default;

std::string MotoServer::iam_call(const std::string& action,
                                 const std::vector<std::pair<std::string, std::string>>& parameters,
                                 const aws::Credentials& credentials) {
  aws::HttpClient http;
  aws::ServiceClient iam("iam", *aws::parse_endpoint(endpoint_, "moto"), kRegion, credentials, http);
  std::vector<std::pair<std::string, std::string>> form = {{"Action", action},
                                                           {"Version", "2010-05-08"}};
  form.insert(form.end(), parameters.begin(), parameters.end());
  aws::ServiceRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = aws::canonical_query_string(form);
  auto answer = iam.call(std::move(request));
  if (!answer) throw std::runtime_error("IAM " + action + ": " + answer.error().describe());
  return answer->body;
}

aws::Credentials MotoServer::create_user(const std::string& name, const nlohmann::json& policy) {
  iam_call("CreateUser", {{"UserName", name}}, admin_);
  iam_call("PutUserPolicy", {{"UserName", name}, {"PolicyName", "policy"}, {"PolicyDocument", policy.dump()}},
           admin_);
  const std::string key = iam_call("CreateAccessKey", {{"UserName", name}}, admin_);
  return {xml_value(key, "//AccessKey/AccessKeyId"), xml_value(key, "//AccessKey/SecretAccessKey"), ""};
}

aws::AwsConfig MotoServer::config(const aws::Credentials& credentials) const {
  aws::AwsConfig config;
  config.credentials = credentials;
  config.region = kRegion;
  config.s3 = config.dynamodb = config.sts = *aws::parse_endpoint(endpoint_, "moto");
  config.s3_path_style = true;
  return config;
}

std::map<std::string, std::string> MotoServer::environment(const aws::Credentials& credentials) const {
  return {{"AWS_ACCESS_KEY_ID", credentials.access_key_id},
          {"AWS_SECRET_ACCESS_KEY", credentials.secret_access_key},
          {"AWS_REGION", kRegion},
          {"AWS_ENDPOINT_URL", endpoint_}};
}

void MotoServer::create_bucket(const std::string& bucket) {
  aws::HttpClient http;
  aws::S3Client s3(config(admin_), http);
  aws::ServiceRequest request;
  request.method = "PUT";
  request.path = "/" + bucket;
  auto answer = s3.service().call(std::move(request));
  if (!answer) throw std::runtime_error("CreateBucket " + bucket + ": " + answer.error().describe());
}

void MotoServer::create_image_table(const std::string& table) {
  aws::HttpClient http;
  aws::DynamoDbClient dynamodb(config(admin_), http);
  auto answer = dynamodb.call(
      "CreateTable",
      {{"TableName", table},
       {"BillingMode", "PAY_PER_REQUEST"},
       {"AttributeDefinitions",
        {{{"AttributeName", "s3_image_url"}, {"AttributeType", "S"}},
         {{"AttributeName", "label"}, {"AttributeType", "S"}}}},
       {"KeySchema",
        {{{"AttributeName", "s3_image_url"}, {"KeyType", "HASH"}},
         {{"AttributeName", "label"}, {"KeyType", "RANGE"}}}}});
  if (!answer) throw std::runtime_error("CreateTable " + table + ": " + answer.error().describe());
}

std::string MotoServer::unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

}  // namespace bulkqa::testing
