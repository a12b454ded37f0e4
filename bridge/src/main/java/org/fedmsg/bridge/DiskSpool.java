package org.fedmsg.bridge;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.stream.Stream;

/**
 * Messages on critical topics waiting on disk for the broker: one file per message, named by a
 * sequence number, written to a temporary name, forced to disk and renamed, so a crash leaves either
 * the whole message or none. A file is deleted only after the broker confirmed the message; what is
 * left at a restart is sent first. Thread-safe.
 */
final class DiskSpool {
  /** A spooled message: the original bus frames and the verified signer. */
  record Entry(long seq, List<byte[]> frames, String signer) {}

  private final Path dir;
  private final int limit;
  private final ConcurrentSkipListSet<Long> seqs = new ConcurrentSkipListSet<>();
  private long next;

  DiskSpool(Path dir, int limit) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.limit = limit;
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(p -> {
        String name = p.getFileName().toString();
        if (name.endsWith(".msg")) {
          seqs.add(Long.parseLong(name.substring(0, name.length() - 4)));
        } else if (name.endsWith(".tmp")) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException e) {
            // a half-written message from a crash: it was never acknowledged to anyone
          }
        }
      });
    }
    next = seqs.isEmpty() ? 1 : seqs.last() + 1;
  }

  /** Writes a message; false when the spool is full. */
  synchronized boolean append(List<byte[]> frames, String signer) throws IOException {
    if (seqs.size() >= limit) {
      return false;
    }
    long seq = next++;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeUTF(signer == null ? "" : signer);
      out.writeInt(frames.size());
      for (byte[] f : frames) {
        out.writeInt(f.length);
        out.write(f);
      }
    }
    Path tmp = dir.resolve(name(seq) + ".tmp");
    try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(java.nio.ByteBuffer.wrap(buf.toByteArray()));
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(name(seq) + ".msg"), StandardCopyOption.ATOMIC_MOVE);
    seqs.add(seq);
    return true;
  }

  /** Up to {@code max} of the oldest messages. */
  List<Entry> oldest(int max) throws IOException {
    List<Entry> out = new ArrayList<>();
    for (Long seq : seqs) {
      if (out.size() >= max) {
        break;
      }
      try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve(name(seq) + ".msg")))) {
        String signer = in.readUTF();
        int n = in.readInt();
        List<byte[]> frames = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          frames.add(in.readNBytes(in.readInt()));
        }
        out.add(new Entry(seq, frames, signer.isEmpty() ? null : signer));
      }
    }
    return out;
  }

  /** Forgets a message the broker confirmed. */
  void remove(long seq) throws IOException {
    Files.deleteIfExists(dir.resolve(name(seq) + ".msg"));
    seqs.remove(seq);
  }

  int size() {
    return seqs.size();
  }

  private static String name(long seq) {
    return String.format("%020d", seq);
  }
}
