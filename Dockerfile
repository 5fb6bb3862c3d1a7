# SPDX-License-Identifier: BSD-3-Clause
#
# sgtgw on Debian 12: the same set-up and build scripts that CI runs, so
# that what this image does is exercised on every CI run.
#
#   docker build -t sgtgw .
#
# Hugepages are reserved and hugetlbfs is mounted on the host (scripts/setup.sh
# there, or Debian's dpdk.service); the container needs the mount and the
# privileges DPDK needs to use it and the NICs:
#
#   docker run --rm --privileged \
#       -v /dev/hugepages:/dev/hugepages \
#       -v /etc/sgtgw:/etc/sgtgw:ro \
#       sgtgw -l 0-2 -a 0000:03:00.0 -a 0000:03:00.1 -- --config /etc/sgtgw/sgtgw.yaml
#
# Arguments go to sgtgw-dataplane: EAL options, "--", then its own
# (sgtgw-dataplane --help). sgtgwctl is installed too:
#   docker exec <container> sgtgwctl counters
# The controlplane (a config with a controlplane: section) runs from the same
# image beside it, sharing the socket directory:
#   docker run --rm -v /run/sgtgw:/run/sgtgw -v /etc/sgtgw:/etc/sgtgw:ro \
#       --entrypoint sgtgw-controlplane sgtgw --config /etc/sgtgw/sgtgw.yaml
# (the dataplane container then also needs -v /run/sgtgw:/run/sgtgw).
FROM debian:bookworm

COPY . /src/sgtgw
WORKDIR /src/sgtgw

# /sys here is the build host's and read-only: hugepages are the run host's
# business, so set-up installs packages only.
RUN SGTGW_SKIP_HUGEPAGES=1 scripts/setup.sh \
	&& scripts/build.sh build -Dtests=disabled \
	&& meson install -C build \
	&& rm -rf /var/lib/apt/lists/*

ENTRYPOINT ["sgtgw-dataplane"]
