package org.fedmsg.reliable;

import java.util.List;

/**
 * Answers one query of the reference replay protocol ({@code fedmsg.replay}): the replay socket
 * hands it the single JSON frame a REQ client sent, and sends each returned array as one frame
 * of the multipart reply. Implemented by {@link ReferenceQueries}.
 */
interface ReferenceQueryHandler {
  /**
   * @param query the request frame as received
   * @return the reply frames, at least one; never throws for bad input
   */
  List<byte[]> answer(byte[] query);
}
