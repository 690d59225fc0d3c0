pragma circom 2.1.0;

// One ZK-chain transaction of any type, proven against the Python STF (src/zkbraid/zk/stf.py)
// and the state layout of src/zkbraid/zk/state.py. See circuits/README.md for the design, the
// public inputs and the transaction commitment.
//
// The circuit is a fixed set of *slots*, each enabled by the transaction type:
//
//   slot            RegisterKey   Transfer   NftMint         NftTransfer     Deposit    Withdraw
//   account A       insert        update     update (nonce)  update (nonce)  update     update
//     balance of A  -             debit      -               -               credit     debit
//   account B       -             update     exists          exists          -          -
//     balance of B  -             credit     -               -               -          -
//   NFT             -             -          insert          update (owner)  -          -
//   collection      -             -          read (minter)   -               -          -
//   signature       - (ECDSA, *)  sender     minter          owner           - (**)     owner
//
// (*) RegisterKey's Ethereum signature and its "one account per address" rule are checked by the
// validators' STF and, later, by the L1 contract from the published data (README.md).
// (**) A Deposit is backed by an L1 deposit, which L1 matches against the published record (id,
// recipient, amount); the circuit proves that the credited account is bound to the recipient.
//
// A disabled slot checks nothing and leaves its root unchanged. New transaction types select a
// combination of slots (a move to the fast chain: a transfer to the escrow account; a capped
// mint: the collection slot turned into an update of its cap counter) and add their own rules
// under their selector.

include "bitify.circom";
include "comparators.circom";
include "poseidon.circom";
include "lib/eddsa.circom";
include "lib/merkle.circom";

// Transaction type bytes (src/zkbraid/zk/transactions.py TxType).
function TX_REGISTER_KEY() { return 16; }   // 0x10
function TX_TRANSFER() { return 17; }       // 0x11
function TX_NFT_MINT() { return 18; }       // 0x12
function TX_NFT_TRANSFER() { return 19; }   // 0x13
function TX_DEPOSIT() { return 20; }        // 0x14
function TX_WITHDRAW() { return 21; }       // 0x15
// The bridge's token (L1 ETH), the only one Deposit and Withdraw move (src/zkbraid/zk/params.py).
function BRIDGE_TOKEN() { return 0; }

// CHAIN_ID: the ZK chain's id, signed into every EdDSA message.
// AD, TD, ND, CD: depths of the accounts, balances, NFTs and collections trees.
// AMOUNT_BITS, NONCE_BITS, FEE_BITS: value widths (src/zkbraid/zk/params.py).
// EMPTY_BALANCES_ROOT: the root of an empty balances tree of depth TD (a new account's).
template ZkTx(CHAIN_ID, AD, TD, ND, CD, AMOUNT_BITS, NONCE_BITS, FEE_BITS, EMPTY_BALANCES_ROOT) {
    // The public data's fixed byte widths (README.md) bound the parameters.
    assert(AD <= 32 && ND <= 32 && TD <= 16 && CD <= 16);
    assert(AMOUNT_BITS <= 128 && NONCE_BITS <= 64 && FEE_BITS <= 64);

    // ---- Public inputs ----
    signal input oldRoot;
    signal input newRoot;
    signal input txData[3];     // the transaction's public data, README.md "Public inputs"

    // ---- The transaction (private) ----
    signal input txType;
    signal input fee;
    signal input accountA;      // sender, minter, the new account of a RegisterKey or the
                                // credited account of a Deposit
    signal input accountB;      // recipient
    signal input token;
    signal input amount;
    signal input collectionId;  // NftMint: the collection; NftTransfer: the NFT's collection
    signal input nftId;
    signal input contentHash;   // NftMint: the content; NftTransfer: the NFT's content
    signal input depositId;     // Deposit: the L1 bridge's id of the deposit
    signal input l1Address;     // Withdraw: the L1 address paid
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;

    // ---- The old state: the root's preimage and the openings the transaction touches ----
    signal input accountsRoot;
    signal input nftsRoot;
    signal input collectionsRoot;
    signal input nextAccountIndex;
    signal input nextNftId;
    // Account A's leaf preimage (RegisterKey: the new account's key and address, nonce 0 and the
    // empty balances root), its balance of `token`, and the siblings of both openings.
    signal input aPubKeyX;
    signal input aPubKeyY;
    signal input aAddress;
    signal input aNonce;
    signal input aBalancesRoot;
    signal input aBalance;
    signal input aPath[AD];
    signal input aBalancePath[TD];
    // Account B likewise; bPath are the siblings after account A's write.
    signal input bPubKeyX;
    signal input bPubKeyY;
    signal input bAddress;
    signal input bNonce;
    signal input bBalancesRoot;
    signal input bBalance;
    signal input bPath[AD];
    signal input bBalancePath[TD];
    signal input nftPath[ND];
    signal input collectionPath[CD];

    // ---- The type selector ----
    signal isRegister <== IsEqual()([txType, TX_REGISTER_KEY()]);
    signal isTransfer <== IsEqual()([txType, TX_TRANSFER()]);
    signal isMint <== IsEqual()([txType, TX_NFT_MINT()]);
    signal isNftTransfer <== IsEqual()([txType, TX_NFT_TRANSFER()]);
    signal isDeposit <== IsEqual()([txType, TX_DEPOSIT()]);
    signal isWithdraw <== IsEqual()([txType, TX_WITHDRAW()]);
    isRegister + isTransfer + isMint + isNftTransfer + isDeposit + isWithdraw === 1;
    // Every type but RegisterKey works on an existing account A; all of those but Deposit are
    // signed by it and bump its nonce.
    signal isExisting <== 1 - isRegister;
    signal isSigned <== isExisting - isDeposit;
    signal hasRecipient <== isTransfer + isMint + isNftTransfer;
    signal isBridge <== isDeposit + isWithdraw;
    signal movesBalance <== isTransfer + isBridge;

    // ---- Ranges (STF: ids within their trees, amounts, nonces and fees within their widths) ----
    signal aBits[AD] <== Num2Bits(AD)(accountA);
    signal bBits[AD] <== Num2Bits(AD)(accountB);
    signal tokenBits[TD] <== Num2Bits(TD)(token);
    signal nftBits[ND] <== Num2Bits(ND)(nftId);
    signal collectionBits[CD] <== Num2Bits(CD)(collectionId);
    _ <== Num2Bits(FEE_BITS)(fee);
    _ <== Num2Bits(AMOUNT_BITS)(amount);
    _ <== Num2Bits(64)(depositId);
    _ <== Num2Bits(160)(aAddress);
    _ <== Num2Bits(160)(l1Address);
    _ <== Num2Bits(AD + 1)(nextAccountIndex);
    _ <== Num2Bits(ND + 1)(nextNftId);
    // A signed type's nonce becomes aNonce + 1, which must still fit the nonce width (a Deposit
    // leaves the nonce as it is, whatever it is).
    _ <== Num2Bits(NONCE_BITS)(aNonce + isSigned);

    // ---- The old root ----
    signal oldRootComputed <== Poseidon(5)(
        [accountsRoot, nftsRoot, collectionsRoot, nextAccountIndex, nextNftId]
    );
    oldRoot === oldRootComputed;

    // ---- Rules by type ----
    // RegisterKey: the new account takes the next index (Num2Bits above: the tree is not full),
    // with nonce 0 and no balances.
    isRegister * (accountA - nextAccountIndex) === 0;
    isRegister * aNonce === 0;
    isRegister * (aBalancesRoot - EMPTY_BALANCES_ROOT) === 0;
    // Transfer, Deposit, Withdraw: a positive amount.
    signal amountIsZero <== IsZero()(amount);
    movesBalance * amountIsZero === 0;
    // Deposit, Withdraw: the bridge's token only; a Deposit has no fee.
    isBridge * (token - BRIDGE_TOKEN()) === 0;
    isDeposit * fee === 0;
    // Transfer, NftTransfer: no transfer to oneself.
    signal sameAccount <== IsEqual()([accountA, accountB]);
    (isTransfer + isNftTransfer) * sameAccount === 0;
    // Types with a recipient account: it exists (accounts are created at 0, 1, 2, …).
    signal recipientExists <== LessThan(AD + 1)([accountB, nextAccountIndex]);
    hasRecipient * (1 - recipientExists) === 0;
    // NftMint: the NFT takes the next id (Num2Bits above: the tree is not full).
    isMint * (nftId - nextNftId) === 0;

    // ---- The signature: the EdDSA message of each signed type (transactions.py) ----
    // Transfer M = Poseidon(0x11, chain, from, to, token, amount, nonce, fee),
    // NftMint M = Poseidon(0x12, chain, minter, collection, to, content, nonce, fee) and
    // Withdraw M = Poseidon(0x15, chain, from, token, l1_recipient, amount, nonce, fee) share
    // one 8-input hash; NftTransfer M = Poseidon(0x13, chain, from, to, nft, nonce, fee).
    signal m3Mint <== accountB + isMint * (collectionId - accountB);
    signal m3 <== m3Mint + isWithdraw * (token - m3Mint);
    signal m4Mint <== token + isMint * (accountB - token);
    signal m4 <== m4Mint + isWithdraw * (l1Address - m4Mint);
    signal m5 <== amount + isMint * (contentHash - amount);
    signal m8 <== Poseidon(8)([txType, CHAIN_ID, accountA, m3, m4, m5, aNonce, fee]);
    signal m7 <== Poseidon(7)([txType, CHAIN_ID, accountA, accountB, nftId, aNonce, fee]);
    signal message <== m8 + isNftTransfer * (m7 - m8);

    component signature = KeyAndSignature();
    signature.enabled <== isSigned;
    signature.Ax <== aPubKeyX;
    signature.Ay <== aPubKeyY;
    signature.S <== sigS;
    signature.R8x <== sigR8x;
    signature.R8y <== sigR8y;
    signature.M <== message;

    // ---- Balances, within the amount width: a Transfer moves A's to B's; a Withdraw debits
    // (burns) A's; a Deposit credits A's ----
    signal moved <== isTransfer * amount;
    signal burnt <== isWithdraw * amount;
    signal minted <== isDeposit * amount;
    signal aNewBalance <== aBalance - moved - burnt + minted;
    signal bNewBalance <== bBalance + moved;
    _ <== Num2Bits(AMOUNT_BITS)(aNewBalance);   // no overspend; a Deposit: no overflow
    _ <== Num2Bits(AMOUNT_BITS)(bNewBalance);   // no overflow

    component aBalanceWrite = LeafUpdate(TD);
    aBalanceWrite.enabled <== movesBalance;
    aBalanceWrite.oldRoot <== aBalancesRoot;
    aBalanceWrite.oldLeaf <== aBalance;
    aBalanceWrite.newLeaf <== aNewBalance;
    aBalanceWrite.bits <== tokenBits;
    aBalanceWrite.siblings <== aBalancePath;

    component bBalanceWrite = LeafUpdate(TD);
    bBalanceWrite.enabled <== isTransfer;
    bBalanceWrite.oldRoot <== bBalancesRoot;
    bBalanceWrite.oldLeaf <== bBalance;
    bBalanceWrite.newLeaf <== bNewBalance;
    bBalanceWrite.bits <== tokenBits;
    bBalanceWrite.siblings <== bBalancePath;

    // ---- Accounts: leaf = Poseidon(pk_x, pk_y, eth_address, nonce, balances_root) ----
    // A: a signed type bumps the nonce; RegisterKey writes into an empty leaf; a Deposit opens
    // the existing leaf (so the account exists) and only its balances change.
    signal aLeaf <== Poseidon(5)([aPubKeyX, aPubKeyY, aAddress, aNonce, aBalancesRoot]);
    component aWrite = LeafUpdate(AD);
    aWrite.enabled <== 1;
    aWrite.oldRoot <== accountsRoot;
    aWrite.oldLeaf <== isExisting * aLeaf;
    aWrite.newLeaf <== Poseidon(5)(
        [aPubKeyX, aPubKeyY, aAddress, aNonce + isSigned, aBalanceWrite.newRoot]
    );
    aWrite.bits <== aBits;
    aWrite.siblings <== aPath;

    // B: the recipient of a Transfer, opened under the root A's write left.
    component bWrite = LeafUpdate(AD);
    bWrite.enabled <== isTransfer;
    bWrite.oldRoot <== aWrite.newRoot;
    bWrite.oldLeaf <== Poseidon(5)([bPubKeyX, bPubKeyY, bAddress, bNonce, bBalancesRoot]);
    bWrite.newLeaf <== Poseidon(5)([bPubKeyX, bPubKeyY, bAddress, bNonce, bBalanceWrite.newRoot]);
    bWrite.bits <== bBits;
    bWrite.siblings <== bPath;

    // ---- NFTs: leaf = Poseidon(owner, collection_id, content_hash) ----
    // NftMint writes into the empty leaf at the next id; NftTransfer proves A owns the NFT.
    signal nftOldLeaf <== Poseidon(3)([accountA, collectionId, contentHash]);
    component nftWrite = LeafUpdate(ND);
    nftWrite.enabled <== isMint + isNftTransfer;
    nftWrite.oldRoot <== nftsRoot;
    nftWrite.oldLeaf <== isNftTransfer * nftOldLeaf;
    nftWrite.newLeaf <== Poseidon(3)([accountB, collectionId, contentHash]);
    nftWrite.bits <== nftBits;
    nftWrite.siblings <== nftPath;

    // ---- Collections: leaf = Poseidon(minter_eth_address, 0) ----
    // NftMint: the collection exists and its minter is account A's Ethereum address.
    component minterCheck = LeafCheck(CD);
    minterCheck.enabled <== isMint;
    minterCheck.root <== collectionsRoot;
    minterCheck.leaf <== Poseidon(2)([aAddress, 0]);
    minterCheck.bits <== collectionBits;
    minterCheck.siblings <== collectionPath;

    // ---- The new root ----
    signal newRootComputed <== Poseidon(5)([
        bWrite.newRoot,
        nftWrite.newRoot,
        collectionsRoot,
        nextAccountIndex + isRegister,
        nextNftId + isMint
    ]);
    newRoot === newRootComputed;

    // ---- The public data (README.md): txData[0] packs the narrow fields big-endian behind the
    // type byte; txData[1] and txData[2] carry the wide ones. Injective: every field is
    // range-checked above to its width in the record, and the type byte fixes the layout. A
    // Deposit publishes account A's own address as its recipient: so the credited account is
    // bound to the address L1 recorded for the deposit. ----
    signal header[6];
    header[0] <== isRegister * (TX_REGISTER_KEY() * 2**224 + fee * 2**160 + aAddress);
    header[1] <== isTransfer * (
        TX_TRANSFER() * 2**144 + fee * 2**80 + accountA * 2**48 + accountB * 2**16 + token
    );
    header[2] <== isMint * (
        TX_NFT_MINT() * 2**144 + fee * 2**80 + accountA * 2**48 + collectionId * 2**32 + accountB
    );
    header[3] <== isNftTransfer * (
        TX_NFT_TRANSFER() * 2**160 + fee * 2**96 + accountA * 2**64 + accountB * 2**32 + nftId
    );
    header[4] <== isDeposit * (
        TX_DEPOSIT() * 2**176 + fee * 2**112 + depositId * 2**48 + accountA * 2**16 + token
    );
    header[5] <== isWithdraw * (TX_WITHDRAW() * 2**112 + fee * 2**48 + accountA * 2**16 + token);
    txData[0] === header[0] + header[1] + header[2] + header[3] + header[4] + header[5];

    signal wide1[5];
    wide1[0] <== isRegister * aPubKeyX;
    wide1[1] <== moved;
    wide1[2] <== isMint * contentHash;
    wide1[3] <== isDeposit * aAddress;
    wide1[4] <== isWithdraw * l1Address;
    txData[1] === wide1[0] + wide1[1] + wide1[2] + wide1[3] + wide1[4];
    signal wide2 <== isRegister * aPubKeyY;
    txData[2] === wide2 + burnt + minted;
}
