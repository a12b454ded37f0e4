package org.fedmsg.reliable;

import java.util.List;

/**
 * Answers a query of the reference replay protocol ({@code fedmsg.replay}, a single JSON frame
 * from a REQ client): each returned array is one frame of the reply. Implementations answer
 * errors the reference way ({@code error: '<text>'}) and never throw on bad input.
 */
interface ReferenceQueryHandler {
  List<byte[]> answer(byte[] query);
}
