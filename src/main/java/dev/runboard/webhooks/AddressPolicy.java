package dev.runboard.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Which addresses a webhook may not reach unless {@code webhooks.allowPrivate} is on: loopback, private,
 * link-local (where cloud metadata services live), unspecified, shared (carrier-grade NAT), reserved, documentation,
 * benchmarking, multicast and broadcast ranges, in IPv4 and IPv6. IPv6 forms that embed an IPv4 address
 * (IPv4-mapped, NAT64, 6to4) are judged by that address.
 */
final class AddressPolicy {

  private static final List<Block> V4 = List.of(
    block("0.0.0.0", 8, "an unspecified (this-network) address"),
    block("10.0.0.0", 8, "a private address"),
    block("100.64.0.0", 10, "a shared (carrier-grade NAT) address"),
    block("127.0.0.0", 8, "a loopback address"),
    block("169.254.0.0", 16, "a link-local address"),
    block("172.16.0.0", 12, "a private address"),
    block("192.0.0.0", 24, "a reserved (IETF protocol) address"),
    block("192.0.2.0", 24, "a documentation address"),
    block("192.168.0.0", 16, "a private address"),
    block("198.18.0.0", 15, "a benchmarking address"),
    block("198.51.100.0", 24, "a documentation address"),
    block("203.0.113.0", 24, "a documentation address"),
    block("224.0.0.0", 4, "a multicast address"),
    block("240.0.0.0", 4, "a reserved or broadcast address"));

  private static final List<Block> V6 = List.of(
    block("::1", 128, "a loopback address"),
    block("::", 128, "an unspecified address"),
    block("::", 96, "an IPv4-compatible (deprecated) address"),
    block("64:ff9b:1::", 48, "a local NAT64 address"),
    block("100::", 64, "a discard-only address"),
    block("2001:db8::", 32, "a documentation address"),
    block("fc00::", 7, "a unique local (private) address"),
    block("fe80::", 10, "a link-local address"),
    block("fec0::", 10, "a site-local (private) address"),
    block("ff00::", 8, "a multicast address"));

  /** Built from bytes: Java turns the literal ::ffff:0:0 into the IPv4 address 0.0.0.0. */
  private static final Block MAPPED = new Block(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff,
    0, 0, 0, 0}, 96, "", "::ffff:0:0/96");
  private static final Block NAT64 = block("64:ff9b::", 96, "");
  private static final Block SIX_TO_FOUR = block("2002::", 16, "");

  private AddressPolicy() {
  }

  /** Why {@code address} may not be reached ("a loopback address"), or null when it may. */
  static String forbidden(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (address instanceof Inet4Address) {
      return match(V4, bytes);
    }
    if (address instanceof Inet6Address) {
      if (MAPPED.contains(bytes) || NAT64.contains(bytes)) {
        return match(V4, Arrays.copyOfRange(bytes, 12, 16));
      }
      if (SIX_TO_FOUR.contains(bytes)) {
        return match(V4, Arrays.copyOfRange(bytes, 2, 6));
      }
      return match(V6, bytes);
    }
    return "an address of an unknown kind";
  }

  private static String match(List<Block> blocks, byte[] bytes) {
    for (Block block : blocks) {
      if (block.contains(bytes)) {
        return block.label() + " (" + block.cidr() + ")";
      }
    }
    return null;
  }

  private static Block block(String network, int bits, String label) {
    try {
      // A literal address: no name lookup happens.
      return new Block(InetAddress.getByName(network).getAddress(), bits, label, network + "/" + bits);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(network, e);
    }
  }

  private record Block(byte[] network, int bits, String label, String cidr) {

    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[full] & mask) == (network[full] & mask);
    }
  }
}
