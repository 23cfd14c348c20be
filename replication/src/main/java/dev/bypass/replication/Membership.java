package dev.bypass.replication;

import dev.bypass.txnstore.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/** Online membership changes of a running group, from outside it (an operator's command, a test). */
public final class Membership {
    private Membership() {}

    /**
     * Makes {@code members} (name to consensus {@code host:port}) the group's replicas: Ratis brings added replicas
     * up to date (log or snapshot) before they count towards a majority, then switches configurations jointly.
     * {@code contact} is any replicas of the current group (name to address) to reach its leader through.
     */
    public static void set(Map<String, String> contact, Map<String, String> members) {
        if (members.isEmpty()) throw new IllegalArgumentException("a group needs at least one replica");
        List<RaftPeer> known = new ArrayList<>(), target = new ArrayList<>();
        contact.forEach((n, a) -> known.add(RaftPeer.newBuilder().setId(n).setAddress(a).build()));
        members.forEach((n, a) -> target.add(RaftPeer.newBuilder().setId(n).setAddress(a).build()));
        RaftProperties p = new RaftProperties();
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(60, TimeUnit.SECONDS));
        try (RaftClient client = RaftClient.newBuilder().setProperties(p).setRaftGroup(RaftGroup.valueOf(ReplicatedStore.GROUP, known))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(50, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS))).build()) {
            RaftClientReply r = client.admin().setConfiguration(target);
            if (!r.isSuccess()) throw new StoreException("membership change refused: " + r.getException());
        } catch (IOException e) {
            throw new StoreException("membership change failed: " + e.getMessage(), e);
        }
    }
}
