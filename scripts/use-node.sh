# Puts Node.js 24 first on PATH when the machine's own Node is older than 22 (these machines ship 20).
# Source it, don't run it:   source scripts/use-node.sh
# Node 24 comes from the npm registry as the `node` package (its binary ships inside the package),
# installed once into $TOLLGATE_NODE_HOME (default ~/.node24) and reused afterwards.
tollgate_node_home="${TOLLGATE_NODE_HOME:-$HOME/.node24}"
tollgate_node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$tollgate_node_major" -lt 22 ]; then
  if ! "$tollgate_node_home/node_modules/node/bin/node" --version >/dev/null 2>&1; then
    echo "use-node: installing Node.js 24 from the npm registry into $tollgate_node_home" >&2
    npm install --prefix "$tollgate_node_home" --no-audit --no-fund --no-save node@24 >&2
  fi
  export PATH="$tollgate_node_home/node_modules/node/bin:$PATH"
  hash -r 2>/dev/null || true
fi
echo "use-node: $(command -v node) $(node --version)" >&2
unset tollgate_node_home tollgate_node_major
