// Streamed pagination: walks a cursor-paginated list (api/openapi.yaml: a page is {"schema",
// "items", "next"?}; the `next` of one page is the `cursor` of the next, a page without it is the
// last) one page at a time, so that 100,000 accounts are never held in memory at once.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "client/client.hpp"

namespace acctsec::client {

enum class Step { next, stop };

// Called with each item in the order the server lists them; returns Step::stop to end the walk.
using ItemVisitor = std::function<Step(nlohmann::json&& item)>;

enum class WalkEnd { last_page, stopped };

struct WalkSummary {
  std::size_t items = 0;  // items handed to the visitor
  std::size_t pages = 0;  // pages fetched
  WalkEnd end = WalkEnd::last_page;
  // The last `next` the server gave (empty when the last page had none): where to resume a list
  // that keeps growing, such as the audit log.
  std::string next;
};

// GETs `path` with `query` (a `cursor` in it is where the walk starts; set `limit` there for the
// page size), hands every item of the page to `on_item`, then fetches the page after it, until a
// page has no `next`, an empty page hands back the cursor it was asked for (a list that can be
// polled, as GET /v1/audit is), or the visitor stops. Each page is one Client::call, with
// `options` (its own deadline and retries). Only one page is held at a time.
// Errors: those of Client::call; network (a page without an `items` array, or a page of items
// whose `next` repeats the cursor just used, which would loop forever).
ClientResult<WalkSummary> paginate(Client& client, std::string_view path, Query query, const ItemVisitor& on_item,
                                   const CallOptions& options = {});

}  // namespace acctsec::client
