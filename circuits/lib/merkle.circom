pragma circom 2.1.0;

// Fixed-depth, index-addressed binary Poseidon Merkle trees, exactly as src/zkbraid/zk/smt.py:
// an inner node is Poseidon(left, right); bit `level` of the leaf index set means the node is a
// right child at that level (its sibling is on the left).

include "poseidon.circom";

// The root an opening leads to: `leaf` at the index whose little-endian bits are `bits`.
// `bits` must be booleans (they come from Num2Bits in every caller).
template MerkleRoot(depth) {
    signal input leaf;
    signal input bits[depth];
    signal input siblings[depth];
    signal output root;

    signal node[depth + 1];
    signal left[depth];
    node[0] <== leaf;
    for (var i = 0; i < depth; i++) {
        // left = bit ? sibling : node; right = the other one (linear, no constraint).
        left[i] <== node[i] + bits[i] * (siblings[i] - node[i]);
        node[i + 1] <== Poseidon(2)([left[i], node[i] + siblings[i] - left[i]]);
    }
    root <== node[depth];
}

// One leaf write, when `enabled` (0 or 1): checks that `oldLeaf` sits at the index under
// `oldRoot` and outputs the root with `newLeaf` in its place. Disabled, it checks nothing and
// outputs `oldRoot` unchanged, so a transaction type that does not touch this tree leaves its
// root exactly as it was.
template LeafUpdate(depth) {
    signal input enabled;
    signal input oldRoot;
    signal input oldLeaf;
    signal input newLeaf;
    signal input bits[depth];
    signal input siblings[depth];
    signal output newRoot;

    component before = MerkleRoot(depth);
    before.leaf <== oldLeaf;
    before.bits <== bits;
    before.siblings <== siblings;
    (before.root - oldRoot) * enabled === 0;

    component after = MerkleRoot(depth);
    after.leaf <== newLeaf;
    after.bits <== bits;
    after.siblings <== siblings;
    newRoot <== oldRoot + enabled * (after.root - oldRoot);
}

// A read-only opening, when `enabled`: `leaf` sits at the index under `root`.
template LeafCheck(depth) {
    signal input enabled;
    signal input root;
    signal input leaf;
    signal input bits[depth];
    signal input siblings[depth];

    component opening = MerkleRoot(depth);
    opening.leaf <== leaf;
    opening.bits <== bits;
    opening.siblings <== siblings;
    (opening.root - root) * enabled === 0;
}
