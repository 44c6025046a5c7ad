package dev.runboard;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.runboard.config.AppConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * Hazelcast settings for a clustered event bus: Vert.x's map configuration, then an explicit TCP/IP member list
 * ({@code cluster.members}) on {@code cluster.host}, with multicast, auto-detection and phoning home off. Nodes
 * share only the event bus; all state is in PostgreSQL.
 */
final class Clustering {

  private Clustering() {
  }

  static Config hazelcast(AppConfig config) {
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(config.clusterName());
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(config.clusterPort()).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).addInterface(config.clusterHost());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(config.clusterMembers());
    return hazelcast;
  }
}
