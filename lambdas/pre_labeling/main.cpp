// bulkqa-pre-labeling: Ground Truth's pre-annotation Lambda on the custom runtime.
#include "bulkqa/functions/pre_labeling.hpp"
#include "bulkqa/util/log.hpp"

int main() {
  bulkqa::log::init_from_environment();
  auto config = bulkqa::functions::function_config_from_environment();
  if (!config) {
    return bulkqa::lambda::report_init_error(config.error().describe(), config.error().code);
  }
  bulkqa::functions::PreLabeling function(std::move(*config));
  return bulkqa::lambda::run_handler(
      [&](const bulkqa::lambda::InvocationRequest& request) { return function.handle(request); });
}
