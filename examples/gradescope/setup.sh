#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
# The autograder's zip holds setup.sh, run_autograder, assignment.yaml (with
# its fragments and files) and parley/, a copy of Parley.
set -euo pipefail

apt-get update
# python3 runs the students' programs; prlimit (util-linux) applies `limits`;
# bwrap applies `sandbox: true`; npm brings Deno.
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  python3 util-linux bubblewrap nodejs npm
npm install -g deno@2.9.6

# Fetch Parley's dependencies now: the image keeps them, and grading then
# needs no network.
cd /autograder/source
deno cache --config parley/deno.json parley/cli.ts
