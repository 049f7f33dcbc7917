// Checks of API responses against docs/openapi.json, as the server serves it.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "daemon/http/openapi.hpp"

namespace wallet::testing {

// The keys of a response object equal the properties the OpenAPI document gives its schema.
inline void expect_schema_keys(const nlohmann::json& object, const std::string& schema) {
  const auto doc = nlohmann::json::parse(daemon::openapi_document());
  nlohmann::json props = nlohmann::json::object();
  const auto& s = doc["components"]["schemas"][schema];
  const auto collect = [&](const nlohmann::json& part) {
    if (part.contains("$ref")) {
      const std::string ref = part["$ref"];
      props.update(doc["components"]["schemas"][ref.substr(ref.rfind('/') + 1)]["properties"]);
    } else if (part.contains("properties")) {
      props.update(part["properties"]);
    }
  };
  if (s.contains("allOf")) {
    for (const auto& part : s["allOf"]) collect(part);
  } else {
    collect(s);
  }
  std::set<std::string> documented, returned;
  for (const auto& [k, v] : props.items()) documented.insert(k);
  for (const auto& [k, v] : object.items()) returned.insert(k);
  EXPECT_EQ(returned, documented) << schema;
}

// An event as the broker delivers it: its envelope and its data have the keys of the schemas
// the document's Event discriminator names for its type.
inline void expect_event_schema(const nlohmann::json& event) {
  const auto doc = nlohmann::json::parse(daemon::openapi_document());
  const auto& schemas = doc["components"]["schemas"];
  const auto& mapping = schemas["Event"]["discriminator"]["mapping"];
  const std::string type = event.value("type", "");
  ASSERT_TRUE(mapping.contains(type)) << "event type " << type << " is not in the document";
  const auto name = [](const std::string& ref) { return ref.substr(ref.rfind('/') + 1); };
  const auto envelope = name(mapping[type]);
  expect_schema_keys(event, envelope);
  expect_schema_keys(event["data"], name(schemas[envelope]["properties"]["data"]["$ref"]));
}

}  // namespace wallet::testing
