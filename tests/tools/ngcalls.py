#!/usr/bin/env python3
"""ngcalls: the calls benchmark's client of rtpengine's ng control protocol.

The calls benchmark (tests/bench/calls.sh) relays the same RTP through
rtpengine, a single-hop media relay, beside hrac and hras.  This tool plays
the signalling that a SIP proxy (Kamailio's rtpengine module) would: for
each call an "offer" with the outside phone's SDP (call-id, from-tag), an
"answer" with the inside phone's SDP (to-tag), and at the end a "delete".
The ng protocol is a cookie, a space and a bencoded dictionary, over UDP
(rtpengine's docs/ng_control_protocol.md); its answer carries the SDP
rewritten with rtpengine's own address and ports.

  ngcalls.py ping ADDR PORT
      wait (10 s at most) until rtpengine answers on its ng port
  ngcalls.py up ADDR PORT PREFIX < PHONES
      PHONES: one call a line, "OUT_IP OUT_PORT IN_IP IN_PORT" (the
      outside and the inside phone's RTP sockets); call k's Call-ID is
      PREFIX-k.  Prints rtpbench's CALLFILE: one line per call set up,
      "OUT_IP OUT_PORT RTPE_IP RTPE_PORT IN_IP IN_PORT RTPE_IP RTPE_PORT",
      each phone sending to the address rtpengine gave the other side
  ngcalls.py down ADDR PORT PREFIX N
      delete calls PREFIX-0 .. PREFIX-(N-1)

Exits 0 if every request was answered "ok", 1 otherwise (and says why on
stderr), 2 on a wrong command line.
"""

import os
import socket
import sys
import time

NG_TIMEOUT = 0.5        # seconds before a request is sent again
NG_TRIES = 6            # the same cookie: rtpengine answers a resend once
NG_MAXMSG = 65535       # one UDP datagram
PING_SECONDS = 10


class NgError(Exception):
    """A request that failed: no answer, a bad answer, or not "ok"."""


def bencode(v):
    """The bencoding of v: bytes, str, int, list or dict (str keys)."""
    if isinstance(v, bool):
        raise TypeError("bencode: no booleans in bencoding")
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(v[k])
                               for k in sorted(v)) + b"e"
    raise TypeError("bencode: cannot encode %r" % type(v))


def bdecode(data, i=0):
    """Decode the bencoded value at data[i:]: (value, index after it).
    Byte strings stay bytes; dictionary keys become str."""
    if i >= len(data):
        raise ValueError("bdecode: truncated")
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c in (b"l", b"d"):
        out = [] if c == b"l" else {}
        i += 1
        while data[i:i + 1] != b"e":
            if i >= len(data):
                raise ValueError("bdecode: truncated")
            if c == b"l":
                x, i = bdecode(data, i)
                out.append(x)
            else:
                k, i = bdecode(data, i)
                x, i = bdecode(data, i)
                out[k.decode() if isinstance(k, bytes) else k] = x
        return out, i + 1
    if c.isdigit():
        colon = data.index(b":", i)
        n = int(data[i:colon])
        if colon + 1 + n > len(data):
            raise ValueError("bdecode: truncated string")
        return data[colon + 1:colon + 1 + n], colon + 1 + n
    raise ValueError("bdecode: unexpected %r at %d" % (c, i))


class Ng:
    """One UDP socket talking to rtpengine's ng port."""

    def __init__(self, addr, port):
        self.dst = (addr, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(self.dst)
        self.seq = 0
        self.tag = "%d" % os.getpid()

    def request(self, msg, tries=NG_TRIES, ok=b"ok"):
        """Send one command, return rtpengine's answer (a dict) once it
        says ok ("pong" to a ping); resend on silence with the same
        cookie."""
        self.seq += 1
        cookie = ("%s_%d" % (self.tag, self.seq)).encode()
        out = cookie + b" " + bencode(msg)
        for _ in range(tries):
            try:
                self.sock.send(out)
            except ConnectionRefusedError:
                time.sleep(NG_TIMEOUT)
                continue
            deadline = time.monotonic() + NG_TIMEOUT
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.sock.settimeout(left)
                try:
                    data = self.sock.recv(NG_MAXMSG)
                except socket.timeout:
                    break
                except ConnectionRefusedError:
                    time.sleep(left)
                    break
                sp = data.find(b" ")
                if sp < 0 or data[:sp] != cookie:
                    continue        # a late answer to an earlier request
                try:
                    ans, _ = bdecode(data, sp + 1)
                except (ValueError, IndexError) as e:
                    raise NgError("%s: bad answer: %s" %
                                  (msg["command"], e)) from e
                if not isinstance(ans, dict):
                    raise NgError("%s: answer is no dictionary" %
                                  msg["command"])
                if ans.get("result") != ok:
                    reason = ans.get("error-reason", b"?")
                    raise NgError("%s: %s: %s" % (
                        msg["command"], ans.get("result", b"?").decode(
                            errors="replace"),
                        reason.decode(errors="replace")))
                return ans
        raise NgError("%s: no answer from %s:%d" %
                      (msg["command"], self.dst[0], self.dst[1]))


def phone_sdp(ip, port, sess):
    """A phone's SDP: one PCMU stream at ip:port, as the benchmark's sipp
    phones offer it."""
    return ("v=0\r\n"
            "o=- %d 1 IN IP4 %s\r\n"
            "s=-\r\n"
            "c=IN IP4 %s\r\n"
            "t=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=ptime:20\r\n"
            "a=sendrecv\r\n" % (sess, ip, ip, port))


def sdp_media(sdp):
    """The address and port of the first audio stream in rtpengine's SDP:
    the media-level c= line if it has one, else the session's."""
    addr = port = None
    in_audio = False
    for line in sdp.decode(errors="replace").splitlines():
        if line.startswith("m="):
            if port is not None:
                break
            f = line[2:].split()
            in_audio = len(f) >= 2 and f[0] == "audio"
            if in_audio:
                port = int(f[1].split("/")[0])
        elif line.startswith("c=") and (port is None or in_audio):
            f = line[2:].split()
            if len(f) == 3 and f[0] == "IN" and f[1] == "IP4":
                addr = f[2]
    if addr is None or port is None:
        raise NgError("no IPv4 audio stream in rtpengine's SDP")
    return addr, port


def cmd_ping(ng):
    """Wait until rtpengine answers a ping."""
    deadline = time.monotonic() + PING_SECONDS
    while True:
        try:
            ng.request({"command": "ping"}, tries=1, ok=b"pong")
            return
        except NgError:
            if time.monotonic() >= deadline:
                raise


def cmd_up(ng, prefix):
    """Offer and answer one call per line of stdin; print the CALLFILE."""
    k = 0
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        if len(f) != 4:
            raise NgError("line %d: want OUT_IP OUT_PORT IN_IP IN_PORT" %
                          (k + 1))
        oip, oport, iip, iport = f[0], int(f[1]), f[2], int(f[3])
        cid = "%s-%d" % (prefix, k)
        # The offer carries the caller's (outside phone's) SDP; its answer
        # is what the callee gets: where the inside phone sends to.
        off = ng.request({"command": "offer", "call-id": cid,
                          "from-tag": "out-%d" % k,
                          "sdp": phone_sdp(oip, oport, 2 * k)})
        to_in = sdp_media(off.get("sdp", b""))
        ans = ng.request({"command": "answer", "call-id": cid,
                          "from-tag": "out-%d" % k, "to-tag": "in-%d" % k,
                          "sdp": phone_sdp(iip, iport, 2 * k + 1)})
        to_out = sdp_media(ans.get("sdp", b""))
        print("%s %d %s %d %s %d %s %d" % (oip, oport, to_out[0], to_out[1],
                                           iip, iport, to_in[0], to_in[1]))
        k += 1


def cmd_down(ng, prefix, n):
    """Delete calls PREFIX-0 .. PREFIX-(n-1); all are tried."""
    failed = 0
    for k in range(n):
        try:
            ng.request({"command": "delete",
                        "call-id": "%s-%d" % (prefix, k)})
        except NgError as e:
            print("ngcalls: %s-%d: %s" % (prefix, k, e), file=sys.stderr)
            failed += 1
    if failed:
        raise NgError("%d of %d calls not deleted" % (failed, n))


def usage():
    """The synopsis, and exit 2."""
    print("usage: ngcalls.py ping ADDR PORT\n"
          "       ngcalls.py up ADDR PORT PREFIX < PHONES\n"
          "       ngcalls.py down ADDR PORT PREFIX N", file=sys.stderr)
    sys.exit(2)


def main(argv):
    """Run the command of argv."""
    if len(argv) < 4:
        usage()
    cmd, addr = argv[1], argv[2]
    try:
        port = int(argv[3])
        n = int(argv[5]) if cmd == "down" and len(argv) == 6 else 0
    except ValueError:
        usage()
    if not 0 < port < 65536 or n < 0:
        usage()
    want = {"ping": 4, "up": 5, "down": 6}
    if want.get(cmd) != len(argv):
        usage()
    ng = Ng(addr, port)
    try:
        if cmd == "ping":
            cmd_ping(ng)
        elif cmd == "up":
            cmd_up(ng, argv[4])
        else:
            cmd_down(ng, argv[4], n)
    except (NgError, OSError, ValueError) as e:
        print("ngcalls: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
