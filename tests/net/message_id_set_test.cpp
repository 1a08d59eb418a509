#include "net/message_id_set.hpp"

#include <gtest/gtest.h>

namespace cmdlink::net {
namespace {

TEST(MessageIdSet, InsertEraseAndSize) {
    MessageIdSet ids;
    EXPECT_TRUE(ids.empty());
    ids.insert(1);
    ids.insert(64);
    ids.insert(65535);
    ids.insert(64);  // twice counts once
    EXPECT_EQ(ids.size(), 3U);
    EXPECT_TRUE(ids.contains(64));
    EXPECT_FALSE(ids.contains(63));
    ids.erase(64);
    ids.erase(64);  // absent: no change
    ids.erase(5000);
    EXPECT_EQ(ids.size(), 2U);
    EXPECT_FALSE(ids.contains(64));
    ids.erase(1);
    ids.erase(65535);
    EXPECT_TRUE(ids.empty());
}

TEST(MessageIdSet, IdsOutsideMqttsRangeAreIgnored) {
    MessageIdSet ids;
    ids.insert(0);
    ids.insert(-3);
    ids.insert(65536);
    EXPECT_TRUE(ids.empty());
    EXPECT_FALSE(ids.contains(0));
    EXPECT_FALSE(ids.contains(65536));
}

}  // namespace
}  // namespace cmdlink::net
