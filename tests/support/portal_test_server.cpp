// The review portal's server over the in-memory backend, with the real page and worker template:
// for the browser test of the page under the portal's Content-Security-Policy. Prints
// "portal <url>" and "invite <invite url>" (for reviewer "alice", one task of one image), then
// serves until its standard input closes.
#include <iostream>
#include <string>

#include "bulkqa/functions/worker_template.hpp"
#include "bulkqa/local/web_assets.hpp"
#include "bulkqa/portal/portal_server.hpp"
#include "support/in_memory_portal_backend.hpp"

int main() {
  bulkqa::testing::InMemoryPortalBackend backend(1, "review-images");
  bulkqa::portal::PortalServerOptions options;
  options.template_text = std::string(bulkqa::functions::worker_template_html());
  options.assets = &bulkqa::local::embedded_web_assets();
  auto server = bulkqa::portal::PortalServer::start(backend, options);
  if (!server) {
    std::cerr << server.error().describe() << "\n";
    return 1;
  }
  std::cout << "portal " << (*server)->url() << "\n"
            << "invite " << (*server)->url() << "invite#" << backend.invite("alice", false)
            << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
  }
  return 0;
}
