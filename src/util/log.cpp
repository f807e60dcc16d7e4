#include "bulkqa/util/log.hpp"

#include <cstdlib>
#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "bulkqa/util/text.hpp"

namespace bulkqa::log {
namespace {

struct LoggerState {
  std::mutex mutex;
  std::shared_ptr<spdlog::logger> logger;
  std::string request_id;
};

LoggerState& state() {
  static LoggerState s;
  return s;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace:
      return spdlog::level::trace;
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::trace:
      return "trace";
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

// Called with the state's mutex held.
spdlog::logger& logger_locked() {
  auto& s = state();
  if (!s.logger) {
    // A logger of our own, not registered globally, so tests can re-initialise freely.
    s.logger = std::make_shared<spdlog::logger>("bulkqa",
                                                std::make_shared<spdlog::sinks::stderr_sink_mt>());
    // The JSON object carries level and time itself; spdlog adds only the newline.
    s.logger->set_pattern("%v");
    s.logger->set_level(spdlog::level::info);
  }
  return *s.logger;
}

}  // namespace

void set_level(Level level) {
  std::lock_guard lock(state().mutex);
  logger_locked().set_level(to_spdlog(level));
}

void init_from_environment() {
  const char* value = std::getenv("LOG_LEVEL");
  const std::string name = to_ascii_lower(value ? value : "info");
  Level level = Level::info;
  if (name == "trace")
    level = Level::trace;
  else if (name == "debug")
    level = Level::debug;
  else if (name == "warn" || name == "warning")
    level = Level::warn;
  else if (name == "error")
    level = Level::error;
  set_level(level);
}

void set_request_id(std::string request_id) {
  std::lock_guard lock(state().mutex);
  state().request_id = std::move(request_id);
}

void write(Level level, std::string_view message, const nlohmann::json& fields) {
  std::lock_guard lock(state().mutex);
  auto& logger = logger_locked();
  if (!logger.should_log(to_spdlog(level))) return;
  nlohmann::json line = nlohmann::json::object();
  line["level"] = level_name(level);
  line["time"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  if (!state().request_id.empty()) line["request_id"] = state().request_id;
  line["message"] = std::string(message);
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  logger.log(to_spdlog(level), "{}",
             line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  logger.flush();
}

}  // namespace bulkqa::log
