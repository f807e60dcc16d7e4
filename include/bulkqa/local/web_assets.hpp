// The files of the review page that `bulkqa serve` serves: built into the program (the bulkqa_web
// library, generated from web/ and liquidjs's browser bundle), so that it serves them whatever the
// working directory. The worker template comes from functions/worker_template.hpp.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace bulkqa::local {

struct WebAsset {
  std::string_view media_type;
  std::string_view body;
};

// By URL path: "/" for the review page, "/admin" for the admin page, "/assets/<file>" for their
// scripts and styles.
using WebAssets = std::map<std::string, WebAsset, std::less<>>;

const WebAssets& embedded_web_assets();

}  // namespace bulkqa::local
