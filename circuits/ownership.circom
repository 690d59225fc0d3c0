pragma circom 2.1.0;

// An NFT ownership proof (docs/hybrid.md, "Ownership proofs"), against the state layout of
// src/zkbraid/zk/state.py. Public inputs, in this order:
//
//   root        a ZK-chain state root (the fast chain's ZkRoots contract holds the recent ones)
//   collection  the NFT's collection id (< 2^16)
//   game        the fast-chain game contract admitting the player (a 160-bit address)
//   round       the game's round (< 2^32)
//   player      the fast-chain address admitted (160 bits): the proof is for this one only
//   nullifier   poseidon([s, nft_id, game, round]): admits once per NFT, game and round
//
// Private: the owner's secret scalar s, the account (index, leaf preimage, opening), the NFT
// (id, leaf preimage, opening) and the root's preimage. The circuit proves that
//
//   - s < the subgroup order l, and (pk_x, pk_y) = s·Base8 (what circomlib's BabyPbk computes,
//     here from the same bits as the range check). s is the key's scalar reduced mod l, so each
//     key has exactly one s and each (NFT, game, round) exactly one nullifier: without the range
//     check, s + l, s + 2l, … would prove the same key with other nullifiers;
//   - poseidon([pk_x, pk_y, eth_address, nonce, balances_root]) is the leaf at the account's
//     index in the accounts tree;
//   - poseidon([account index, collection, content_hash, list_token, list_price, list_expiry])
//     is the leaf at the NFT's id in the NFTs tree: the NFT is of `collection` and owned by that
//     account (listed for sale or not);
//   - both trees' roots are those of `root`'s preimage
//     poseidon([accounts_root, nfts_root, collections_root, next_account_index, next_nft_id]);
//   - the nullifier is poseidon([s, nft_id, game, round]).
//
// Neither the account nor the NFT is a public input, and only the holder of s can compute the
// nullifier, so the proof reveals the collection and nothing about which of its NFTs or owners.

include "bitify.circom";
include "compconstant.circom";
include "escalarmulfix.circom";
include "poseidon.circom";
include "lib/merkle.circom";

// AD, ND: depths of the accounts and NFTs trees (src/zkbraid/zk/params.py).
template Ownership(AD, ND) {
    assert(AD <= 32 && ND <= 32);

    var SUB_ORDER_MINUS_1 = 2736030358979909402780800718157159386076813972158567259200215660948447373040;
    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];

    // ---- Public inputs ----
    signal input root;
    signal input collection;
    signal input game;
    signal input round;
    signal input player;
    signal input nullifier;

    // ---- Private inputs ----
    signal input secret;            // s: pk = s·Base8, s < l
    signal input accountIndex;
    signal input accountAddress;    // the account leaf's preimage after the key
    signal input accountNonce;
    signal input accountBalancesRoot;
    signal input accountPath[AD];   // siblings, leaf level first
    signal input nftId;
    signal input nftContentHash;    // the NFT leaf's preimage after owner and collection
    signal input nftListToken;
    signal input nftListPrice;
    signal input nftListExpiry;
    signal input nftPath[ND];
    signal input accountsRoot;      // the root's preimage
    signal input nftsRoot;
    signal input collectionsRoot;
    signal input nextAccountIndex;
    signal input nextNftId;

    // ---- Ranges: the public inputs' widths on the fast chain, the ids within their trees ----
    _ <== Num2Bits(16)(collection);
    _ <== Num2Bits(160)(game);
    _ <== Num2Bits(32)(round);
    _ <== Num2Bits(160)(player);
    signal accountBits[AD] <== Num2Bits(AD)(accountIndex);
    signal nftBits[ND] <== Num2Bits(ND)(nftId);

    // ---- The key: s < l, pk = s·Base8 ----
    signal secretBits[253] <== Num2Bits(253)(secret);
    component belowOrder = CompConstant(SUB_ORDER_MINUS_1);
    for (var i = 0; i < 253; i++) {
        belowOrder.in[i] <== secretBits[i];
    }
    belowOrder.in[253] <== 0;
    belowOrder.out === 0;
    component pk = EscalarMulFix(253, BASE8);
    pk.e <== secretBits;

    // ---- The root ----
    signal rootComputed <== Poseidon(5)(
        [accountsRoot, nftsRoot, collectionsRoot, nextAccountIndex, nextNftId]
    );
    root === rootComputed;

    // ---- The account with that key ----
    signal accountLeaf <== Poseidon(5)(
        [pk.out[0], pk.out[1], accountAddress, accountNonce, accountBalancesRoot]
    );
    signal accountsRootComputed <== MerkleRoot(AD)(accountLeaf, accountBits, accountPath);
    accountsRoot === accountsRootComputed;

    // ---- An NFT of the collection owned by that account ----
    signal nftLeaf <== Poseidon(6)(
        [accountIndex, collection, nftContentHash, nftListToken, nftListPrice, nftListExpiry]
    );
    signal nftsRootComputed <== MerkleRoot(ND)(nftLeaf, nftBits, nftPath);
    nftsRoot === nftsRootComputed;

    // ---- The nullifier ----
    signal nullifierComputed <== Poseidon(4)([secret, nftId, game, round]);
    nullifier === nullifierComputed;
}
