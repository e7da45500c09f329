#include "client/paginate.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace acctsec::client {

ClientResult<WalkSummary> paginate(Client& client, std::string_view path, Query query, const ItemVisitor& on_item,
                                   const CallOptions& options) {
  std::string cursor;
  const auto given = std::find_if(query.begin(), query.end(), [](const auto& p) { return p.first == "cursor"; });
  if (given != query.end()) {
    cursor = given->second;
    query.erase(given);
  }
  WalkSummary summary;
  while (true) {
    Query page_query = query;
    if (!cursor.empty()) page_query.emplace_back("cursor", cursor);
    auto page = client.call(Method::get, path, page_query, std::nullopt, options);
    if (!page) return std::unexpected(std::move(page.error()));
    ++summary.pages;
    nlohmann::json& body = page->body;
    const auto items = body.is_object() ? body.find("items") : body.end();
    if (!body.is_object() || items == body.end() || !items->is_array())
      return std::unexpected(
          ClientError(Error(ErrorCategory::network,
                            fmt::format("the reply to GET {} is not a page of a list (no \"items\" array)", path))));
    for (auto& item : *items) {
      ++summary.items;
      if (on_item(std::move(item)) == Step::stop) {
        summary.end = WalkEnd::stopped;
        return summary;
      }
    }
    const auto next = body.find("next");
    if (next == body.end() || !next->is_string() || next->get_ref<const std::string&>().empty()) return summary;
    summary.next = next->get<std::string>();
    if (summary.next == cursor && items->empty()) return summary;  // nothing after the cursor yet
    if (summary.next == cursor)
      return std::unexpected(ClientError(
          Error(ErrorCategory::network,
                fmt::format("GET {} answered the same `next` cursor twice; the listing would never end", path))));
    cursor = summary.next;
  }
}

}  // namespace acctsec::client
