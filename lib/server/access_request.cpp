#include "server/access_request.hpp"

#include <algorithm>

#include "server/bearer_auth.hpp"
#include "server/identity_json.hpp"

namespace acctsec::server {

std::string access_effective_state(const AccessRequestRecord& request, StoreTime now) {
  if (request.state == "pending" && now >= request.pending_until) return "expired";
  if (request.state == "active" && now >= request.grant_end) return "expired";
  return request.state;
}

namespace {

bool active_with_scope(const AccessRequestRecord& request, StoreTime now, std::string_view scope) {
  return access_effective_state(request, now) == "active" && now >= request.grant_start && request.justification.scope == scope;
}

}  // namespace

bool grant_covers(const AccessRequestRecord& request, StoreTime now, std::string_view scope, std::string_view account_id,
                  const std::vector<std::string>& groups) {
  if (!active_with_scope(request, now, scope)) return false;
  const std::string& resource = request.justification.resource;
  if (resource == "accounts") return true;
  if (resource.starts_with("account:")) return resource.substr(8) == account_id;
  if (resource.starts_with("group:")) return std::find(groups.begin(), groups.end(), resource.substr(6)) != groups.end();
  return false;
}

bool grant_covers_list(const AccessRequestRecord& request, StoreTime now, std::string_view scope, std::string_view group) {
  if (!active_with_scope(request, now, scope)) return false;
  const std::string& resource = request.justification.resource;
  return resource == "accounts" || (!group.empty() && resource.starts_with("group:") && resource.substr(6) == group);
}

std::size_t access_approvals(const AccessRequestRecord& request) {
  return static_cast<std::size_t>(
      std::count_if(request.reviews.begin(), request.reviews.end(), [](const ReviewRecord& r) { return r.decision == "approve"; }));
}

std::string justification_digest_input(std::string_view requester, const Justification& j, std::string_view nonce) {
  // nlohmann::json sorts members and dump() writes no white space: the canonical form.
  const nlohmann::json document = {{"purpose", "request"}, {"requester", requester}, {"resource", j.resource},
                                   {"scope", j.scope},     {"code", j.code},           {"ticket", j.ticket},
                                   {"reason", j.reason},   {"duration", j.duration},   {"nonce", nonce}};
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string review_digest_input(std::string_view reviewer, std::string_view request_id, std::string_view decision,
                                std::string_view reason, std::string_view nonce) {
  const nlohmann::json document = {{"purpose", "review"}, {"reviewer", reviewer}, {"requestId", request_id},
                                   {"decision", decision}, {"reason", reason},     {"nonce", nonce}};
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Bytes access_challenge(std::string_view digest_input) { return secret_hash(digest_input); }

namespace {

nlohmann::json justification_json(const Justification& j) {
  return {{"resource", j.resource}, {"scope", j.scope}, {"code", j.code}, {"ticket", j.ticket}, {"reason", j.reason}, {"duration", j.duration}};
}

nlohmann::json review_json(const ReviewRecord& r) {
  return {{"reviewer", r.reviewer}, {"decision", r.decision}, {"reason", r.reason}, {"at", store_time_text(r.at)},
          {"signedWith", base64url_encode(r.signed_with)}};
}

}  // namespace

nlohmann::json access_request_json(const AccessRequestRecord& request, StoreTime now) {
  nlohmann::json out = {{"schema", "acctsec.access-request/1"},
                        {"id", request.id},
                        {"requester", request.requester},
                        {"justification", justification_json(request.justification)},
                        {"state", access_effective_state(request, now)},
                        {"createdAt", store_time_text(request.created)},
                        {"pendingUntil", store_time_text(request.pending_until)},
                        {"approvalsRequired", request.approvals_required},
                        {"reviews", nlohmann::json::array()},
                        {"grant", nullptr},
                        {"signedWith", base64url_encode(request.signed_with)}};
  for (const auto& review : request.reviews) out["reviews"].push_back(review_json(review));
  if (!request.grant_id.empty())
    out["grant"] = {{"id", request.grant_id}, {"startsAt", store_time_text(request.grant_start)}, {"endsAt", store_time_text(request.grant_end)}};
  if (!request.revoked_by.empty()) {
    out["revokedBy"] = request.revoked_by;
    out["revokedReason"] = request.revoked_reason;
  }
  return out;
}

nlohmann::json access_request_record_json(const AccessRequestRecord& r) {
  nlohmann::json reviews = nlohmann::json::array();
  for (const auto& review : r.reviews)
    reviews.push_back({{"reviewer", review.reviewer}, {"decision", review.decision}, {"reason", review.reason}, {"at", review.at},
                       {"signedWith", base64url_encode(review.signed_with)}});
  return {{"id", r.id},
          {"requester", r.requester},
          {"justification", justification_json(r.justification)},
          {"durationMs", r.duration.count()},
          {"state", r.state},
          {"created", r.created},
          {"pendingUntil", r.pending_until},
          {"approvalsRequired", r.approvals_required},
          {"reviews", reviews},
          {"grantId", r.grant_id},
          {"grantStart", r.grant_start},
          {"grantEnd", r.grant_end},
          {"revokedBy", r.revoked_by},
          {"revokedReason", r.revoked_reason},
          {"revokedAt", r.revoked_at},
          {"signedWith", base64url_encode(r.signed_with)}};
}

Result<AccessRequestRecord> access_request_record_from_json(const nlohmann::json& json) {
  try {
    AccessRequestRecord r;
    r.id = json.at("id").get<std::string>();
    r.requester = json.at("requester").get<std::string>();
    const auto& j = json.at("justification");
    r.justification = Justification{.resource = j.at("resource").get<std::string>(),
                                    .scope = j.at("scope").get<std::string>(),
                                    .code = j.at("code").get<std::string>(),
                                    .ticket = j.at("ticket").get<std::string>(),
                                    .reason = j.at("reason").get<std::string>(),
                                    .duration = j.at("duration").get<std::string>()};
    r.duration = std::chrono::milliseconds(json.at("durationMs").get<std::int64_t>());
    r.state = json.at("state").get<std::string>();
    r.created = json.at("created").get<StoreTime>();
    r.pending_until = json.at("pendingUntil").get<StoreTime>();
    r.approvals_required = json.at("approvalsRequired").get<int>();
    for (const auto& review : json.at("reviews")) {
      r.reviews.push_back(ReviewRecord{.reviewer = review.at("reviewer").get<std::string>(),
                                       .decision = review.at("decision").get<std::string>(),
                                       .reason = review.at("reason").get<std::string>(),
                                       .at = review.at("at").get<StoreTime>(),
                                       .signed_with = base64url_decode(review.at("signedWith").get<std::string>()).value_or(Bytes{})});
    }
    r.grant_id = json.at("grantId").get<std::string>();
    r.grant_start = json.at("grantStart").get<StoreTime>();
    r.grant_end = json.at("grantEnd").get<StoreTime>();
    r.revoked_by = json.at("revokedBy").get<std::string>();
    r.revoked_reason = json.at("revokedReason").get<std::string>();
    r.revoked_at = json.at("revokedAt").get<StoreTime>();
    r.signed_with = base64url_decode(json.at("signedWith").get<std::string>()).value_or(Bytes{});
    return r;
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCategory::internal, std::string("store: an access request is damaged: ") + e.what());
  }
}

}  // namespace acctsec::server
