// Logging facade: JSON lines on stderr through spdlog, one object per event, with the current
// request id on every line. Level from LOG_LEVEL (trace, debug, info, warn, error; default info).
// Never pass credentials or signed headers as fields.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace bulkqa::log {

enum class Level { trace, debug, info, warn, error };

// Reads LOG_LEVEL once; call at the start of main. Safe to call again (tests).
void init_from_environment();
void set_level(Level level);

// The request id attached to every following line (empty: none).
void set_request_id(std::string request_id);

// Writes {"level", "time", "request_id", "message", ...fields}. `fields` must be a JSON object.
void write(Level level, std::string_view message,
           const nlohmann::json& fields = nlohmann::json::object());

inline void debug(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::error, m, f);
}

}  // namespace bulkqa::log
