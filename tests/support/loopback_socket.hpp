// A TCP socket listening on 127.0.0.1 at a free port: where the test servers that speak raw TCP
// (the fault proxy, the request line server) accept their connections.
#pragma once

#include <string>

namespace bulkqa::testing {

struct ListeningSocket {
  int fd = -1;
  int port = 0;
};

// SO_REUSEADDR is set, so that a port freed by an earlier test can be bound at once. Throws
// std::runtime_error naming `owner` when it cannot listen.
ListeningSocket listen_on_loopback(int backlog, const std::string& owner);

// A TCP connection to 127.0.0.1:`port`; -1 when it cannot connect.
int connect_to_loopback(int port);

}  // namespace bulkqa::testing
