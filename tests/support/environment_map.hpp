// An environment for the credential chain's tests: a map in place of the process's variables, so
// tests neither read nor change the real environment.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "bulkqa/aws/credentials.hpp"

namespace bulkqa::testing {

// Looks names up in `variables`; empty values count as unset, as in the process environment.
inline aws::EnvironmentLookup environment_map(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
}

}  // namespace bulkqa::testing
