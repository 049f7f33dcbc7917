// The queues walletctl owns are quorum queues where the broker has them, so a RabbitMQ cluster
// replicates them with no change to walletctl; a classic queue of the same name from an earlier
// version is kept, not a reason to stop. Asked of the stack's RabbitMQ with rabbitmqctl.
#include <gtest/gtest.h>

#include <sstream>

#include "core/amqp_client.hpp"
#include "core/ids.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

namespace wallet {
namespace {

using testing::required_env;
using testing::run_process;

// The type (classic, quorum) rabbitmqctl lists for the queue; empty when it has none of that name.
std::string queue_type(const std::string& queue) {
  const auto r = run_process({"rabbitmqctl", "-q", "list_queues", "name", "type"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string name, type;
  while (lines >> name >> type) {
    if (name == queue) return type;
  }
  return "";
}

class AmqpQueuesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& q : made_) open().delete_queue(q);
  }
  static AmqpConnection open() {
    return AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000));
  }
  std::string name() { return made_.emplace_back("walletctl-test-" + new_uuid()); }

  std::vector<std::string> made_;
};

TEST_F(AmqpQueuesTest, AReplicatedQueueIsAQuorumQueue) {
  const auto queue = name();
  auto mq = open();
  EXPECT_EQ(mq.declare_queue(queue, {.durable = true, .dead_letter_exchange = std::nullopt, .replicated = true}), queue);
  EXPECT_EQ(queue_type(queue), "quorum");
  // Declaring it again, as every start of a daemon does, is accepted as it is.
  EXPECT_EQ(mq.declare_queue(queue, {.durable = true, .dead_letter_exchange = std::nullopt, .replicated = true}), queue);
}

TEST_F(AmqpQueuesTest, AClassicQueueOfThatNameIsKeptAndTheConnectionGoesOn) {
  const auto queue = name();
  auto mq = open();
  mq.declare_queue(queue, {.durable = true, .dead_letter_exchange = std::nullopt});
  mq.enable_confirms();
  ASSERT_TRUE(mq.publish_confirmed("", {{.routing_key = queue, .body = "kept", .message_id = new_uuid(), .type = "test"}},
                                   std::chrono::milliseconds(5000))
                  .empty());
  EXPECT_EQ(mq.declare_queue(queue, {.durable = true, .dead_letter_exchange = std::nullopt, .replicated = true}), queue);
  EXPECT_EQ(queue_type(queue), "classic");
  // The channel the broker closed over the refused declare works again, confirms included, and
  // the message is still there.
  EXPECT_EQ(mq.queue_depth(queue), 1);
  EXPECT_TRUE(mq.publish_confirmed("", {{.routing_key = queue, .body = "after", .message_id = new_uuid(), .type = "test"}},
                                   std::chrono::milliseconds(5000))
                  .empty());
  EXPECT_EQ(mq.queue_depth(queue), 2);
  const auto other = name();
  EXPECT_EQ(mq.declare_queue(other, {.durable = true, .dead_letter_exchange = std::nullopt, .replicated = true}), other);
  EXPECT_EQ(queue_type(other), "quorum");
}

}  // namespace
}  // namespace wallet
