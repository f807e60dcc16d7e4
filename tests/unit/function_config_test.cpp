// The functions' own settings from the environment: BULKQA_ASSUME_EVENT_ROLE.
#include "bulkqa/functions/function_config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace bulkqa::functions {
namespace {

class FunctionConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    ::setenv("AWS_REGION", "us-east-1", 1);
    ::unsetenv("BULKQA_ASSUME_EVENT_ROLE");
  }
  void TearDown() override {
    for (const char* name :
         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "BULKQA_ASSUME_EVENT_ROLE"}) {
      ::unsetenv(name);
    }
  }
};

TEST_F(FunctionConfigTest, TheEventRoleIsNotAssumedByDefault) {
  auto config = function_config_from_environment();
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_FALSE(config->assume_event_role);
  ::setenv("BULKQA_ASSUME_EVENT_ROLE", "false", 1);
  EXPECT_FALSE(function_config_from_environment()->assume_event_role);
}

TEST_F(FunctionConfigTest, TrueSwitchesAssumingTheEventRoleOn) {
  ::setenv("BULKQA_ASSUME_EVENT_ROLE", "true", 1);
  auto config = function_config_from_environment();
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_TRUE(config->assume_event_role);
}

TEST_F(FunctionConfigTest, AnotherValueIsRefusedNamingTheVariable) {
  ::setenv("BULKQA_ASSUME_EVENT_ROLE", "yes", 1);
  auto config = function_config_from_environment();
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, "InvalidConfiguration");
  EXPECT_NE(config.error().message.find("BULKQA_ASSUME_EVENT_ROLE"), std::string::npos);
  EXPECT_NE(config.error().message.find("'yes'"), std::string::npos);
}

}  // namespace
}  // namespace bulkqa::functions
