#!/bin/sh
# t_lanes over https:// (CONNECT, TLS to hras): the first lane cut off for
# 4 s, then the burst it brings once it goes again, read through the TLS
# filters of both halves (net_bev_read_on once took them out of order).
# timeout: 90
VOFW_LANES_TLS=1
export VOFW_LANES_TLS
. "$(dirname "$0")/t_lanes.sh"
