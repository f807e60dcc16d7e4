#include "support/loopback_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace bulkqa::testing {

ListeningSocket listen_on_loopback(int backlog, const std::string& owner) {
  ListeningSocket listening;
  listening.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int reuse = 1;
  ::setsockopt(listening.fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listening.fd < 0 ||
      ::bind(listening.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listening.fd, backlog) != 0 ||
      ::getsockname(listening.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (listening.fd >= 0) ::close(listening.fd);
    throw std::runtime_error(owner + ": cannot listen on 127.0.0.1");
  }
  listening.port = ntohs(address.sin_port);
  return listening;
}

int connect_to_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace bulkqa::testing
