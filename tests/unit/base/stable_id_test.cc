#include "base/stable_id.h"

#include "gtest/gtest.h"

namespace rtparchive {
namespace {

TEST(StableIdTest, SameTextSameUuid) {
  EXPECT_EQ(StableUuid("cname:publisher-0"), StableUuid("cname:publisher-0"));
}

TEST(StableIdTest, SimilarTextsGiveUnlikeIds) {
  const std::string a = StableUuid("cname:publisher-0");
  const std::string b = StableUuid("cname:publisher-1");
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(0, 8), b.substr(0, 8));
}

TEST(StableIdTest, HasUuidLayout) {
  const std::string id = StableUuid("x");
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[14], '4');
  EXPECT_EQ(id[23], '-');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
}

}  // namespace
}  // namespace rtparchive
