// The S3 client against a real moto_server with IAM authentication on.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "bulkqa/aws/s3.hpp"
#include "support/moto.hpp"

namespace bulkqa {
namespace {

using testing::MotoServer;

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = MotoServer::unique_name("s3-client");
    moto().create_bucket(bucket_);
  }
  static MotoServer& moto() { return MotoServer::shared(); }

  aws::HttpClient http_;
  aws::S3Client s3_{moto().config(moto().admin()), http_};
  std::string bucket_;
};

TEST_F(S3ClientTest, PutThenGetReturnsTheSameBytes) {
  std::string body = "binary\0bytes\xff\n";
  body += std::string(300000, 'x');
  auto put = s3_.put_object({bucket_, "dir/a b~_-.v1.bin", body});
  ASSERT_TRUE(put.ok()) << put.error().describe();
  auto got = s3_.get_object(bucket_, "dir/a b~_-.v1.bin");
  ASSERT_TRUE(got.ok()) << got.error().describe();
  EXPECT_EQ(*got, body);
}

TEST_F(S3ClientTest, MissingKeyIsATypedNoSuchKeyError) {
  auto got = s3_.get_object(bucket_, "absent.json");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "NoSuchKey");
  EXPECT_EQ(got.error().http_status, 404);
  EXPECT_EQ(got.error().service, "s3");
  EXPECT_FALSE(got.error().retryable);
  EXPECT_NE(got.error().message.find("absent.json"), std::string::npos);
}

TEST_F(S3ClientTest, GetObjectsReadsManyAtOnceInRequestOrderEachErrorNamingItsObject) {
  ASSERT_TRUE(s3_.put_object({bucket_, "many/a.json", "first"}).ok());
  ASSERT_TRUE(s3_.put_object({bucket_, "many/b.json", "second"}).ok());
  auto got = s3_.get_objects({{bucket_, "many/b.json"},
                              {bucket_, "many/absent.json"},
                              {bucket_, "many/a.json"},
                              {bucket_, "many/b.json"}});
  ASSERT_EQ(got.size(), 4u);
  ASSERT_TRUE(got[0].ok()) << got[0].error().describe();
  EXPECT_EQ(*got[0], "second");
  ASSERT_FALSE(got[1].ok());
  EXPECT_EQ(got[1].error().code, "NoSuchKey");
  EXPECT_NE(got[1].error().message.find("s3://" + bucket_ + "/many/absent.json"),
            std::string::npos);
  EXPECT_EQ(*got[2], "first");
  EXPECT_EQ(*got[3], "second");
  EXPECT_TRUE(s3_.get_objects({}).empty());
}

TEST_F(S3ClientTest, CopyObjectCopiesServerSide) {
  ASSERT_TRUE(s3_.put_object({bucket_, "source/img 1.jpg", "jpeg-bytes"}).ok());
  ASSERT_TRUE(
      s3_.service()
          .call(s3_.copy_object_request({bucket_, "source/img 1.jpg", bucket_, "copy/img 1.jpg"}))
          .ok());
  EXPECT_EQ(*s3_.get_object(bucket_, "copy/img 1.jpg"), "jpeg-bytes");
}

TEST_F(S3ClientTest, CopyOfAMissingSourceFailsWithS3sCode) {
  auto copied =
      s3_.service().call(s3_.copy_object_request({bucket_, "nope.jpg", bucket_, "there.jpg"}));
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.error().code, "NoSuchKey");
  EXPECT_FALSE(s3_.get_object(bucket_, "there.jpg").ok());
}

TEST_F(S3ClientTest, ListingFollowsContinuationTokensAndDeleteEmptiesInChunksOf1000) {
  std::vector<aws::PutObjectRequest> puts;
  std::set<std::string> expected;
  for (int i = 0; i < 1050; ++i) {
    const std::string key = "many/item " + std::to_string(i) + ".txt";
    expected.insert(key);
    puts.push_back({bucket_, key, std::to_string(i)});
  }
  for (const auto& status : s3_.put_objects(std::move(puts))) ASSERT_TRUE(status.ok());

  auto first_page = s3_.list_objects(bucket_, "", std::nullopt);
  ASSERT_TRUE(first_page.ok()) << first_page.error().describe();
  EXPECT_EQ(first_page->keys.size(), 1000u);
  EXPECT_TRUE(first_page->next_continuation_token.has_value());

  auto keys = s3_.list_all_keys(bucket_, "");
  ASSERT_TRUE(keys.ok()) << keys.error().describe();
  EXPECT_EQ(std::set<std::string>(keys->begin(), keys->end()), expected);

  auto failures = s3_.delete_objects(bucket_, *keys);
  ASSERT_TRUE(failures.ok()) << failures.error().describe();
  EXPECT_TRUE(failures->empty());
  EXPECT_TRUE(s3_.list_all_keys(bucket_, "")->empty());
}

TEST_F(S3ClientTest, PrefixFiltersTheListing) {
  for (const char* key : {"batches/000001-a.json", "batchesX", "manifest.json"}) {
    ASSERT_TRUE(s3_.put_object({bucket_, key, "{}"}).ok());
  }
  auto keys = s3_.list_all_keys(bucket_, "batches");
  ASSERT_TRUE(keys.ok()) << keys.error().describe();
  EXPECT_EQ(std::set<std::string>(keys->begin(), keys->end()),
            (std::set<std::string>{"batches/000001-a.json", "batchesX"}));
}

// moto checks signatures on the request as sent (see src/local/moto.cpp), so keys with
// sub-delimiters and non-ASCII characters, and queries with '/', are signed as AWS signs them.
TEST_F(S3ClientTest, KeysWithSubDelimitersAndNonAsciiCharactersRoundTrip) {
  const std::string key = "odd/(a) !*'$&+=:,;@ \xC3\xA9\xF0\x9F\xA6\x80.jpg";
  ASSERT_TRUE(s3_.put_object({bucket_, key, "bytes"}).ok());
  EXPECT_EQ(*s3_.get_object(bucket_, key), "bytes");
  ASSERT_TRUE(
      s3_.service().call(s3_.copy_object_request({bucket_, key, bucket_, key + ".copy"})).ok());
  auto listed = s3_.list_objects(bucket_, "odd/(a) ", std::nullopt);
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  EXPECT_EQ(listed->keys, (std::vector<std::string>{key, key + ".copy"}));
}

TEST_F(S3ClientTest, PagesStartAfterAKeyUnderAPrefixAndComeConcurrently) {
  for (const char* key : {"dir/a.jpg", "dir/b.jpg", "dir/b/c.jpg", "dir/d.jpg", "dirt.jpg"}) {
    ASSERT_TRUE(s3_.put_object({bucket_, key, "x"}).ok());
  }
  const auto pages = s3_.list_objects_all({{bucket_, "dir/", std::nullopt, "dir/b.jpg"},
                                           {bucket_, "dir/", std::nullopt, ""},
                                           {bucket_, "dir/", std::nullopt, "dir/z"}});
  ASSERT_EQ(pages.size(), 3u);
  for (const auto& page : pages) ASSERT_TRUE(page.ok()) << page.error().describe();
  EXPECT_EQ(pages[0]->keys, (std::vector<std::string>{"dir/b/c.jpg", "dir/d.jpg"}));
  EXPECT_EQ(pages[1]->keys,
            (std::vector<std::string>{"dir/a.jpg", "dir/b.jpg", "dir/b/c.jpg", "dir/d.jpg"}));
  EXPECT_TRUE(pages[2]->keys.empty());
  EXPECT_FALSE(pages[0]->next_continuation_token.has_value());
}

TEST_F(S3ClientTest, AWrongSecretIsRefusedWithSignatureDoesNotMatch) {
  aws::Credentials wrong = moto().admin();
  wrong.secret_access_key += "x";
  aws::S3Client impostor(moto().config(wrong), http_);
  auto got = impostor.list_objects(bucket_, "", std::nullopt);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(got.error().http_status, 403);
}

TEST_F(S3ClientTest, IamPolicyIsEnforced) {
  const nlohmann::json read_only = {{"Version", "2012-10-17"},
                                    {"Statement",
                                     {{{"Effect", "Allow"},
                                       {"Action", {"s3:GetObject"}},
                                       {"Resource", "arn:aws:s3:::" + bucket_ + "/*"}}}}};
  ASSERT_TRUE(s3_.put_object({bucket_, "readable.txt", "hello"}).ok());
  aws::S3Client reader(
      moto().config(moto().create_user(MotoServer::unique_name("reader"), read_only)), http_);
  EXPECT_EQ(*reader.get_object(bucket_, "readable.txt"), "hello");
  auto denied = reader.put_object({bucket_, "written.txt", "no"});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, "AccessDenied");
  EXPECT_EQ(denied.error().http_status, 403);
}

}  // namespace
}  // namespace bulkqa
