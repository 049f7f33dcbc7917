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

}  // namespace wallet::testing
