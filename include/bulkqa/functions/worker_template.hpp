// The worker UI template (templates/bulkqa.liquid.html), built into the launch executable so that
// its Lambda package needs no other file; launch uploads it to the stack bucket
// at kWorkerTemplateKey (qa/stack_layout.hpp).
#pragma once

#include <string_view>

namespace bulkqa::functions {

// The template's bytes as they were when the executable was built.
std::string_view worker_template_html();

}  // namespace bulkqa::functions
