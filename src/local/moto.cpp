#include "bulkqa/local/moto.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include <pugixml.hpp>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/aws/service_client.hpp"

namespace bulkqa::local {
namespace {

Error moto_error(std::string message) {
  return make_error(errc::kLocalMotoFailed, std::move(message));
}

// A port the kernel just handed out; moto binds it a moment later.
Result<int> free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool bound = fd >= 0 &&
                     ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (fd >= 0) ::close(fd);
  if (!bound) return moto_error("cannot find a free loopback port");
  return static_cast<int>(ntohs(address.sin_port));
}

Result<std::filesystem::path> find_on_path(const std::filesystem::path& program) {
  if (program.has_parent_path()) return program;
  const char* path = std::getenv("PATH");
  const std::string directories = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (true) {
    const auto end = directories.find(':', start);
    const auto candidate = std::filesystem::path(directories.substr(start, end - start)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return moto_error(program.string() + " is not on PATH (moto needs python3 with moto installed)");
}

Status wait_until_serving(const std::string& endpoint, FunctionProcess& process) {
  aws::HttpClient http;
  // Readiness poll: moto takes a second or two to import; the bound keeps a broken start finite.
  for (int attempt = 0; attempt < 600; ++attempt) {
    auto answer = http.send({"GET", endpoint + "/moto-api/", {}, ""});
    if (answer && answer->status == 200) return {};
    if (!process.running())
      return moto_error("moto_server exited during start-up (is moto installed?)");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return moto_error("moto_server did not start serving at " + endpoint);
}

// moto_server checks a request's signature against werkzeug's request.url, where percent-escapes
// such as %2F and those of UTF-8 bytes are already decoded: a request signed as AWS signs it is
// then refused when its query holds a '/' (a ListObjectsV2 prefix) or its key is not ASCII (moto
// issue 5948). This starts moto with its signature check made on the request target exactly as
// sent, which is what AWS signs.
//
// DynamoDB applies each request to an item atomically (a conditional write sees no concurrent
// write to its item, a transaction all or nothing); moto serves requests on threads without a
// lock, so two concurrent conditional updates of one item could both pass, or a failed
// transaction's rollback undo another request's write. This runs moto's DynamoDB actions one at a
// time, which DynamoDB's guarantees allow. Nothing else about moto changes.
constexpr const char* kMotoServerProgram = R"(
import threading
from urllib.parse import urlsplit
from moto.core import authorization, responses
from moto.dynamodb.responses import DynamoHandler
from moto.server import main

dynamodb_lock = threading.Lock()
call_action = DynamoHandler.call_action
def call_action_atomically(self, *arguments, **options):
    with dynamodb_lock:
        return call_action(self, *arguments, **options)
DynamoHandler.call_action = call_action_atomically

setup_class = responses.BaseResponse.setup_class
def keep_request_target(self, request, full_url, headers, use_raw_body=False):
    setup_class(self, request, full_url, headers, use_raw_body)
    self.request_target = getattr(request, "environ", {}).get("RAW_URI")
responses.BaseResponse.setup_class = keep_request_target

authorize = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action
def authorize_as_sent(self, *arguments, **options):
    decoded = self.uri
    if getattr(self, "request_target", None):
        parts = urlsplit(decoded)
        self.uri = parts.scheme + "://" + parts.netloc + self.request_target
    try:
        authorize(self, *arguments, **options)
    finally:
        self.uri = decoded
authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize_as_sent

main()
)";

aws::Credentials access_key_from(const std::string& xml) {
  pugi::xml_document document;
  document.load_buffer(xml.data(), xml.size());
  const auto key = document.select_node("//AccessKey").node();
  return {key.child_value("AccessKeyId"), key.child_value("SecretAccessKey"), ""};
}

}  // namespace

Result<std::unique_ptr<LocalMoto>> LocalMoto::start(const MotoOptions& options) {
  auto python = find_on_path(options.python);
  if (!python) return python.error();
  auto port = free_loopback_port();
  if (!port) return port.error();
  const std::string port_text = std::to_string(*port);
  auto process = FunctionProcess::start(
      *python, {{"INITIAL_NO_AUTH_ACTION_COUNT", "3"}},
      options.log_file.empty() ? std::filesystem::path("/dev/null") : options.log_file,
      {"-c", kMotoServerProgram, "-H", "127.0.0.1", "-p", port_text});
  if (!process) return process.error();
  const std::string endpoint = "http://127.0.0.1:" + port_text;
  if (auto serving = wait_until_serving(endpoint, *process); !serving) return serving.error();

  std::unique_ptr<LocalMoto> moto(new LocalMoto(
      std::make_unique<FunctionProcess>(std::move(*process)), endpoint, options.region));
  if (auto admin = moto->create_admin(); !admin) return admin.error();
  return moto;
}

LocalMoto::LocalMoto(std::unique_ptr<FunctionProcess> process, std::string endpoint,
                     std::string region)
    : process_(std::move(process)), endpoint_(std::move(endpoint)), region_(std::move(region)) {}

void LocalMoto::interrupt() {
  if (process_->running()) ::kill(process_->pid(), SIGTERM);
}

Status LocalMoto::create_admin() {
  // The three calls moto lets through unauthenticated. The placeholder key only gives moto the
  // credential scope to route the call by.
  const aws::Credentials bootstrap{"AKIABOOTSTRAP0000000", "bootstrap-secret", ""};
  const nlohmann::json everything = {
      {"Version", "2012-10-17"},
      {"Statement", {{{"Effect", "Allow"}, {"Action", "*"}, {"Resource", "*"}}}}};
  if (auto user = iam_call("CreateUser", {{"UserName", "bulkqa-admin"}}, bootstrap); !user) {
    return user.error();
  }
  auto key = iam_call("CreateAccessKey", {{"UserName", "bulkqa-admin"}}, bootstrap);
  if (!key) return key.error();
  auto policy = iam_call("PutUserPolicy",
                         {{"UserName", "bulkqa-admin"},
                          {"PolicyName", "everything"},
                          {"PolicyDocument", everything.dump()}},
                         bootstrap);
  if (!policy) return policy.error();
  admin_ = access_key_from(*key);
  return {};
}

Result<std::string> LocalMoto::iam_call(
    const std::string& action, const std::vector<std::pair<std::string, std::string>>& parameters,
    const aws::Credentials& credentials) {
  aws::HttpClient http;
  aws::ServiceClient iam("iam", config(credentials).sts, region_, credentials, http);
  std::vector<std::pair<std::string, std::string>> form = {{"Action", action},
                                                           {"Version", "2010-05-08"}};
  form.insert(form.end(), parameters.begin(), parameters.end());
  auto answer = iam.call(aws::form_post_request(form));
  if (!answer) return moto_error("IAM " + action + ": " + answer.error().describe());
  return std::move(answer->body);
}

Result<aws::Credentials> LocalMoto::create_user(const std::string& name,
                                                const nlohmann::json& policy) {
  if (auto user = iam_call("CreateUser", {{"UserName", name}}, admin_); !user) return user.error();
  if (auto put = iam_call(
          "PutUserPolicy",
          {{"UserName", name}, {"PolicyName", "policy"}, {"PolicyDocument", policy.dump()}},
          admin_);
      !put) {
    return put.error();
  }
  auto key = iam_call("CreateAccessKey", {{"UserName", name}}, admin_);
  if (!key) return key.error();
  return access_key_from(*key);
}

Result<std::string> LocalMoto::create_role(const std::string& name, const nlohmann::json& policy) {
  const nlohmann::json trust = {
      {"Version", "2012-10-17"},
      {"Statement",
       {{{"Effect", "Allow"}, {"Principal", {{"AWS", "*"}}}, {"Action", "sts:AssumeRole"}}}}};
  auto role = iam_call("CreateRole",
                       {{"RoleName", name}, {"AssumeRolePolicyDocument", trust.dump()}}, admin_);
  if (!role) return role.error();
  if (auto put = iam_call(
          "PutRolePolicy",
          {{"RoleName", name}, {"PolicyName", "policy"}, {"PolicyDocument", policy.dump()}},
          admin_);
      !put) {
    return put.error();
  }
  pugi::xml_document document;
  document.load_buffer(role->data(), role->size());
  const std::string arn = document.select_node("//Role/Arn").node().child_value();
  if (arn.empty()) return moto_error("CreateRole " + name + " answered without an ARN");
  return arn;
}

aws::AwsConfig LocalMoto::config(const aws::Credentials& credentials) const {
  aws::AwsConfig config;
  config.credentials = credentials;
  config.region = region_;
  config.s3 = config.dynamodb = config.sts = config.cloudformation =
      *aws::parse_endpoint(endpoint_, "moto");
  config.s3_path_style = true;
  return config;
}

std::map<std::string, std::string> LocalMoto::environment(
    const aws::Credentials& credentials) const {
  return {{"AWS_ACCESS_KEY_ID", credentials.access_key_id},
          {"AWS_SECRET_ACCESS_KEY", credentials.secret_access_key},
          {"AWS_REGION", region_},
          {"AWS_ENDPOINT_URL", endpoint_}};
}

Status LocalMoto::create_bucket(const std::string& bucket) {
  aws::HttpClient http;
  return aws::S3Client(config(admin_), http).create_bucket(bucket);
}

namespace {

// CreateTable with on-demand billing and a (hash, range) key of two string attributes.
Status create_table(const aws::AwsConfig& config, const std::string& table,
                    const std::string& hash_key, const std::string& range_key) {
  aws::HttpClient http;
  aws::DynamoDbClient dynamodb(config, http);
  auto answer =
      dynamodb.call("CreateTable", {{"TableName", table},
                                    {"BillingMode", "PAY_PER_REQUEST"},
                                    {"AttributeDefinitions",
                                     {{{"AttributeName", hash_key}, {"AttributeType", "S"}},
                                      {{"AttributeName", range_key}, {"AttributeType", "S"}}}},
                                    {"KeySchema",
                                     {{{"AttributeName", hash_key}, {"KeyType", "HASH"}},
                                      {{"AttributeName", range_key}, {"KeyType", "RANGE"}}}}});
  if (!answer) return answer.error();
  return {};
}

}  // namespace

Status LocalMoto::create_image_table(const std::string& table) {
  return create_table(config(admin_), table, "s3_image_url", "label");
}

Status LocalMoto::create_portal_table(const std::string& table) {
  return create_table(config(admin_), table, "pk", "sk");
}

}  // namespace bulkqa::local
