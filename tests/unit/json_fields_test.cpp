#include "bulkqa/util/json_fields.hpp"

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::fails_with;

TEST(JsonPaths, MembersAndElements) {
  EXPECT_EQ(member_path("", "a"), "a");
  EXPECT_EQ(member_path("[2].annotations[0]", "workerId"), "[2].annotations[0].workerId");
  EXPECT_EQ(element_path("annotations", 3), "annotations[3]");
}

TEST(JsonObjectReader, OpensObjectsOnly) {
  EXPECT_TRUE(fails_with(JsonObjectReader::open(json::array(), "", "Bad"), "Bad",
                         {"the document", "expected an object", "array"}));
  EXPECT_TRUE(fails_with(JsonObjectReader::open(3, "payload", "Bad"), "Bad",
                         {"payload: expected an object, found number"}));
}

TEST(JsonObjectReader, RequiredAndOptionalStrings) {
  const json object = {{"name", "x"}, {"empty", ""}, {"number", 1}, {"nothing", nullptr}};
  const auto reader = JsonObjectReader::open(object, "top", "Bad");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->required_string("name").value(), "x");
  EXPECT_TRUE(fails_with(reader->required_string("empty"), "Bad", {"top.empty: is empty"}));
  EXPECT_TRUE(fails_with(reader->required_string("nothing"), "Bad", {"top.nothing: missing"}));
  EXPECT_TRUE(fails_with(reader->required_string("number"), "Bad",
                         {"top.number: expected a string, found number"}));
  EXPECT_EQ(reader->optional_string("empty").value(), std::optional<std::string>(""));
  EXPECT_EQ(reader->optional_string("absent").value(), std::nullopt);
  EXPECT_TRUE(fails_with(reader->optional_string("number"), "Bad", {"top.number"}));
}

TEST(JsonObjectReader, NestedObjectsCarryTheirPath) {
  const json object = {{"outer", {{"inner", 5}}}};
  const auto reader = JsonObjectReader::open(object, "", "Bad");
  ASSERT_TRUE(reader.ok());
  const auto outer = reader->required_object("outer");
  ASSERT_TRUE(outer.ok());
  EXPECT_EQ(outer->path(), "outer");
  EXPECT_TRUE(fails_with(outer->required_string("inner"), "Bad", {"outer.inner: expected"}));
  EXPECT_TRUE(fails_with(reader->required_object("absent"), "Bad", {"absent: missing"}));
  EXPECT_TRUE(
      fails_with(outer->required_object("inner"), "Bad", {"outer.inner: expected an object"}));
}

}  // namespace
}  // namespace bulkqa
