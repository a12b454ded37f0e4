package org.fedmsg.reliable;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * What a replay endpoint returned for one range of one signer's epoch: the stored messages in seq
 * order, each as its exact signed fedmsg/2 frames (topic, body, signature), and what it could
 * not return.
 *
 * <p>Verify every message like a live one before using it: the endpoint is not trusted, only
 * the signatures are.
 *
 * @param messages the messages, in seq order, each its three frames verbatim (copied in and out)
 * @param missing sub-ranges the endpoint does not hold (evicted from its outbox, or never seen):
 *     lost unless another endpoint has them
 * @param statistical sub-ranges whose seqs went to statistical topics: nothing to fill
 * @param truncatedAt the first seq not covered when the answer stopped early (the client may
 *     ask again from there); empty when the whole range was answered
 */
public record ReplayBatch(List<byte[][]> messages, List<SeqRange> missing, List<SeqRange> statistical,
    OptionalLong truncatedAt) {
  public ReplayBatch {
    messages = copy(messages);
    missing = List.copyOf(missing);
    statistical = List.copyOf(statistical);
    java.util.Objects.requireNonNull(truncatedAt, "truncatedAt");
  }

  /** A copy of the messages (the frames are copied too: callers may change what they get). */
  @Override
  public List<byte[][]> messages() {
    return copy(messages);
  }

  private static List<byte[][]> copy(List<byte[][]> in) {
    List<byte[][]> out = new ArrayList<>(in.size());
    for (byte[][] m : in) {
      byte[][] c = new byte[m.length][];
      for (int i = 0; i < m.length; i++) {
        c[i] = m[i].clone();
      }
      out.add(c);
    }
    return List.copyOf(out);
  }
}
