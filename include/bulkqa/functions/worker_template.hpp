// The worker UI template (templates/bulkqa.liquid.html), built into the launch executable so that
// its Lambda package needs no other file; launch uploads it to the stack bucket.
#pragma once

#include <string_view>

namespace bulkqa::functions {

// Where launch puts the template in the stack bucket.
inline constexpr const char* kWorkerTemplateKey = "templates/bulkqa.liquid.html";

// The template's bytes as they were when the executable was built.
std::string_view worker_template_html();

}  // namespace bulkqa::functions
