// `bulkqa reviewers add NAME [--admin] | list | revoke NAME`: the accounts of a deployed stack's
// review portal. `add` prints the reviewer's one-time invite URL: the only time the token shows.
#include <iostream>
#include <memory>

#include "bulkqa/portal/portal_server.hpp"
#include "commands.hpp"
#include "portal_target.hpp"

namespace bulkqa::cli {
namespace {

struct ReviewersOptions {
  PortalTarget target;
  std::string name;
  bool admin = false;
  std::string public_origin;
};

std::string date_of(portal::SystemClock::time_point time) {
  const std::time_t seconds = portal::SystemClock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
  return text;
}

int fail(const Error& error) {
  std::cerr << "bulkqa reviewers: " << error.describe() << std::endl;
  return 1;
}

int run_add(const ReviewersOptions& options) {
  auto portal = open_existing_portal(options.target);
  if (!portal) return fail(portal.error());
  auto invite = (*portal)->add_reviewer(options.name, options.admin);
  if (!invite) return fail(invite.error());
  std::cerr << "invited " << invite->reviewer << (options.admin ? " (admin)" : "")
            << "; the invite works once, until " << date_of(invite->expires) << ":" << std::endl;
  std::cout << portal::invite_url(options.public_origin, invite->token) << std::endl;
  return std::cout ? 0 : 1;
}

int run_list(const ReviewersOptions& options) {
  auto portal = open_existing_portal(options.target);
  if (!portal) return fail(portal.error());
  auto reviewers = (*portal)->list_reviewers();
  if (!reviewers) return fail(reviewers.error());
  for (const auto& reviewer : *reviewers) {
    std::cout << reviewer.name << (reviewer.admin ? "  admin" : "")
              << (reviewer.revoked ? "  revoked" : "") << "  since " << date_of(reviewer.created)
              << "\n";
  }
  return std::cout ? 0 : 1;
}

int run_revoke(const ReviewersOptions& options) {
  auto portal = open_existing_portal(options.target);
  if (!portal) return fail(portal.error());
  if (Status revoked = (*portal)->revoke_reviewer(options.name); !revoked) {
    return fail(revoked.error());
  }
  std::cerr << options.name << " is revoked: every session of theirs ended" << std::endl;
  return 0;
}

}  // namespace

Command add_reviewers_command(CLI::App& app) {
  auto options = std::make_shared<ReviewersOptions>();
  auto* reviewers =
      app.add_subcommand("reviewers", "The review portal's reviewers")->require_subcommand(1);
  auto* add = reviewers->add_subcommand("add", "Add a reviewer and print a one-time invite URL");
  add->add_option("name", options->name, "1 to 64 letters, digits, '.', '_' or '-'")->required();
  add->add_flag("--admin", options->admin, "may also see the review's progress");
  add->add_option("--public-origin", options->public_origin,
                  "where reviewers reach the portal (https://review.example.com), for the URL")
      ->required();
  auto* list = reviewers->add_subcommand("list", "List the reviewers");
  auto* revoke = reviewers->add_subcommand("revoke", "End a reviewer's access and sessions now");
  revoke->add_option("name", options->name, "the reviewer")->required();
  for (auto* command : {add, list, revoke}) add_portal_target_options(*command, options->target);
  return [options, add, list] {
    if (add->parsed()) return run_add(*options);
    if (list->parsed()) return run_list(*options);
    return run_revoke(*options);
  };
}

}  // namespace bulkqa::cli
