pragma circom 2.1.0;

// One ZK-chain transaction of any type, proven against the Python STF (src/zkbraid/zk/stf.py)
// and the state layout of src/zkbraid/zk/state.py. See circuits/README.md for the design, the
// public inputs and the transaction commitment, and docs/hybrid.md for the types 0x16-0x1C.
//
// The circuit is a fixed set of *slots*, each enabled by the transaction type:
//
//   slot            A (always open)            B (after A's write)       NFT        collection
//   RegisterKey     insert                     -                         -          -
//   Transfer        debit, sign                credit                    -          -
//   NftMint         sign                       exists (recipient)        insert     read (minter)
//   NftTransfer     sign                       exists (recipient)        owner      -
//   Deposit         credit token 0             -                         -          -
//   Withdraw        debit token 0, sign        -                         -          -
//   MoveToFast      debit token 0, sign        escrow: credit            -          -
//   MoveFromFast    credit token 0             escrow: debit (>= 0)      -          -
//   CreateCollection sign                      -                         -          insert
//   GameMint        exists (recipient)         -                         insert     round, count
//   NftList         sign                       -                         listing    -
//   NftCancel       sign                       -                         listing    -
//   NftBuy          debit price, sign          seller: credit price      owner      -
//
// RegisterKey's Ethereum signature and its "one account per address" rule are checked by the
// validators' STF (README.md). The system types (Deposit, MoveFromFast, GameMint) are unsigned:
// the validators check that an L1 deposit, a fast-chain exit or a game's report backs each; the
// circuit proves what bounds the damage if they do not: the escrow never goes below zero and a
// game collection mints at most its cap a round.
//
// A disabled slot checks nothing and leaves its root unchanged.

include "bitify.circom";
include "comparators.circom";
include "poseidon.circom";
include "lib/eddsa.circom";
include "lib/merkle.circom";

// Transaction type bytes (src/zkbraid/zk/transactions.py TxType).
function TX_REGISTER_KEY() { return 16; }       // 0x10
function TX_TRANSFER() { return 17; }           // 0x11
function TX_NFT_MINT() { return 18; }           // 0x12
function TX_NFT_TRANSFER() { return 19; }       // 0x13
function TX_DEPOSIT() { return 20; }            // 0x14
function TX_WITHDRAW() { return 21; }           // 0x15
function TX_MOVE_TO_FAST() { return 22; }       // 0x16
function TX_MOVE_FROM_FAST() { return 23; }     // 0x17
function TX_CREATE_COLLECTION() { return 24; }  // 0x18
function TX_GAME_MINT() { return 25; }          // 0x19
function TX_NFT_LIST() { return 26; }           // 0x1A
function TX_NFT_CANCEL() { return 27; }         // 0x1B
function TX_NFT_BUY() { return 28; }            // 0x1C
// The token Deposit, Withdraw and the moves between the chains carry (L1 ETH, the fast chain's
// native coin; src/zkbraid/zk/params.py BRIDGE_TOKEN, MOVE_TOKEN).
function BRIDGE_TOKEN() { return 0; }

// CHAIN_ID: the ZK chain's id, signed into every EdDSA message.
// AD, TD, ND, CD: depths of the accounts, balances, NFTs and collections trees.
// AMOUNT_BITS, NONCE_BITS, FEE_BITS: value widths (src/zkbraid/zk/params.py).
// EMPTY_BALANCES_ROOT: the root of an empty balances tree of depth TD (a new account's).
template ZkTx(CHAIN_ID, AD, TD, ND, CD, AMOUNT_BITS, NONCE_BITS, FEE_BITS, EMPTY_BALANCES_ROOT) {
    // The public data's fixed byte widths (README.md) bound the parameters.
    assert(AD <= 32 && ND <= 32 && TD <= 16 && CD <= 16);
    assert(AMOUNT_BITS <= 128 && NONCE_BITS <= 64 && FEE_BITS <= 64);
    // The fast-chain escrow is the accounts tree's last leaf (zk/params.py escrow_index).
    var ESCROW = (1 << AD) - 1;

    // ---- Public inputs ----
    signal input oldRoot;
    signal input newRoot;
    signal input txData[3];     // the transaction's public data, README.md "Public inputs"

    // ---- The transaction (private) ----
    signal input txType;
    signal input fee;
    signal input accountA;      // sender, minter, creator, lister, buyer, the new account of a
                                // RegisterKey or the credited account of a system type
    signal input accountB;      // recipient, the escrow of a move, the seller of an NftBuy
    signal input token;
    signal input amount;        // the amount moved; NftList's and NftBuy's price
    signal input collectionId;  // the collection minted into or created; an NFT's collection
    signal input nftId;
    signal input contentHash;   // the content minted; an NFT's content
    signal input eventId;       // the L1 deposit, fast-chain exit or game report of a system type
    signal input l1Address;     // Withdraw: the L1 address paid; CreateCollection: the minter;
                                // GameMint: the reporting game (the collection's minter)
    signal input cap;           // a game collection's cap a round (0 for an ordinary one)
    signal input round;         // GameMint: the round reported
    signal input collRound;     // the collection's round and count before a GameMint
    signal input collMinted;
    signal input expiry;        // NftList: the listing's expiry (unix seconds)
    signal input time;          // NftBuy: the ZK block's time (unix seconds)
    signal input listToken;     // the NFT's listing before the transaction (price 0: none)
    signal input listPrice;
    signal input listExpiry;
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
    // Account B likewise (the escrow's preimage is 0, 0, 0, 0, its balances root); bPath are
    // the siblings after account A's write.
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
    signal isToFast <== IsEqual()([txType, TX_MOVE_TO_FAST()]);
    signal isFromFast <== IsEqual()([txType, TX_MOVE_FROM_FAST()]);
    signal isCreate <== IsEqual()([txType, TX_CREATE_COLLECTION()]);
    signal isGameMint <== IsEqual()([txType, TX_GAME_MINT()]);
    signal isList <== IsEqual()([txType, TX_NFT_LIST()]);
    signal isCancel <== IsEqual()([txType, TX_NFT_CANCEL()]);
    signal isBuy <== IsEqual()([txType, TX_NFT_BUY()]);
    isRegister + isTransfer + isMint + isNftTransfer + isDeposit + isWithdraw + isToFast
        + isFromFast + isCreate + isGameMint + isList + isCancel + isBuy === 1;
    // Every type but RegisterKey works on an existing account A; all of those but the system
    // types are signed by it and bump its nonce.
    signal isExisting <== 1 - isRegister;
    signal isSystem <== isDeposit + isFromFast + isGameMint;
    signal isSigned <== isExisting - isSystem;
    signal isMove <== isToFast + isFromFast;
    // A's balance: debited by a Transfer, a Withdraw, a MoveToFast and an NftBuy, credited by a
    // Deposit and a MoveFromFast. B's: credited by a Transfer, a MoveToFast (the escrow) and an
    // NftBuy (the seller), debited by a MoveFromFast (the escrow).
    signal aDebits <== isTransfer + isWithdraw + isToFast + isBuy;
    signal aCredits <== isDeposit + isFromFast;
    signal movesBalance <== aDebits + aCredits;
    signal bCredits <== isTransfer + isToFast + isBuy;
    signal bMoves <== bCredits + isFromFast;
    signal hasRecipient <== isTransfer + isMint + isNftTransfer;
    signal opensNft <== isNftTransfer + isList + isCancel + isBuy;
    signal insertsNft <== isMint + isGameMint;
    signal writesCollection <== isMint + isCreate + isGameMint;

    // ---- Ranges (STF: ids within their trees, amounts, nonces and fees within their widths) ----
    signal aBits[AD] <== Num2Bits(AD)(accountA);
    signal bBits[AD] <== Num2Bits(AD)(accountB);
    signal tokenBits[TD] <== Num2Bits(TD)(token);
    signal nftBits[ND] <== Num2Bits(ND)(nftId);
    signal collectionBits[CD] <== Num2Bits(CD)(collectionId);
    _ <== Num2Bits(FEE_BITS)(fee);
    _ <== Num2Bits(AMOUNT_BITS)(amount);
    _ <== Num2Bits(64)(eventId);
    _ <== Num2Bits(160)(aAddress);
    _ <== Num2Bits(160)(l1Address);
    _ <== Num2Bits(32)(cap);
    _ <== Num2Bits(32)(round);
    _ <== Num2Bits(32)(collRound);
    _ <== Num2Bits(32)(collMinted);
    _ <== Num2Bits(64)(expiry);
    _ <== Num2Bits(64)(time);
    _ <== Num2Bits(64)(listExpiry);
    _ <== Num2Bits(AD + 1)(nextAccountIndex);
    _ <== Num2Bits(ND + 1)(nextNftId);
    // A signed type's nonce becomes aNonce + 1, which must still fit the nonce width (a system
    // type leaves the nonce as it is, whatever it is).
    _ <== Num2Bits(NONCE_BITS)(aNonce + isSigned);

    // ---- The old root ----
    signal oldRootComputed <== Poseidon(5)(
        [accountsRoot, nftsRoot, collectionsRoot, nextAccountIndex, nextNftId]
    );
    oldRoot === oldRootComputed;

    // ---- Rules by type ----
    // RegisterKey: the new account takes the next index (Num2Bits above: the tree is not full;
    // the escrow's leaf is not empty, so no key lands on it), with nonce 0 and no balances.
    isRegister * (accountA - nextAccountIndex) === 0;
    isRegister * aNonce === 0;
    isRegister * (aBalancesRoot - EMPTY_BALANCES_ROOT) === 0;
    // Types that move a balance, and NftList's price: a positive amount.
    signal amountIsZero <== IsZero()(amount);
    (movesBalance + isList) * amountIsZero === 0;
    // Deposit, Withdraw and the moves: token 0 only; the system types have no fee.
    (isDeposit + isWithdraw + isMove) * (token - BRIDGE_TOKEN()) === 0;
    isSystem * fee === 0;
    // A move's B is the escrow (whose preimage opens only as 0, 0, 0, 0, balances root).
    isMove * (accountB - ESCROW) === 0;
    // Transfer, NftTransfer, NftBuy: no transfer to oneself, no buying one's own NFT.
    signal sameAccount <== IsEqual()([accountA, accountB]);
    (isTransfer + isNftTransfer + isBuy) * sameAccount === 0;
    // Types with a recipient account: it exists (accounts are created at 0, 1, 2, …).
    signal recipientExists <== LessThan(AD + 1)([accountB, nextAccountIndex]);
    hasRecipient * (1 - recipientExists) === 0;
    // NftMint, GameMint: the NFT takes the next id (Num2Bits above: the tree is not full).
    insertsNft * (nftId - nextNftId) === 0;
    // NftCancel, NftBuy: the NFT is listed; NftBuy: for exactly its token and price, and the
    // block's time is not past its expiry.
    signal notListed <== IsZero()(listPrice);
    (isCancel + isBuy) * notListed === 0;
    isBuy * (token - listToken) === 0;
    isBuy * (amount - listPrice) === 0;
    signal expired <== LessThan(64)([listExpiry, time]);
    isBuy * expired === 0;
    // CreateCollection, GameMint: a game collection has a cap of at least 1; NftMint: an
    // ordinary collection (cap 0, no rounds).
    signal capIsZero <== IsZero()(cap);
    (isCreate + isGameMint) * capIsZero === 0;
    isMint * cap === 0;
    isMint * collRound === 0;
    isMint * collMinted === 0;
    // GameMint: the round is the collection's current one or later; in the current one, the
    // count is still below the cap.
    signal roundBefore <== LessThan(32)([round, collRound]);
    isGameMint * roundBefore === 0;
    signal sameRound <== IsEqual()([round, collRound]);
    signal belowCap <== LessThan(32)([collMinted, cap]);
    signal inCurrentRound <== isGameMint * sameRound;
    inCurrentRound * (1 - belowCap) === 0;

    // ---- The signature: the EdDSA message of each signed type (transactions.py) ----
    // Eight inputs [type, chain, A, x3, x4, x5, nonce, fee]:
    //   Transfer (to, token, amount), NftMint (collection, to, content), Withdraw (token,
    //   l1_recipient, amount), CreateCollection (collection, minter, cap), NftList (nft,
    //   token * 2^64 + expiry, price), NftBuy (nft, token, price).
    // Seven inputs [type, chain, A, y3, y4, nonce, fee]:
    //   NftTransfer (to, nft), MoveToFast (token, amount), NftCancel (nft, 0).
    signal x3[4];
    x3[0] <== isTransfer * accountB;
    x3[1] <== (isMint + isCreate) * collectionId;
    x3[2] <== isWithdraw * token;
    x3[3] <== (isList + isBuy) * nftId;
    signal x4[4];
    x4[0] <== (isTransfer + isBuy) * token;
    x4[1] <== isMint * accountB;
    x4[2] <== (isWithdraw + isCreate) * l1Address;
    x4[3] <== isList * (token * 2**64 + expiry);
    signal x5[3];
    x5[0] <== (isTransfer + isWithdraw + isList + isBuy) * amount;
    x5[1] <== isMint * contentHash;
    x5[2] <== isCreate * cap;
    signal m8 <== Poseidon(8)([
        txType, CHAIN_ID, accountA,
        x3[0] + x3[1] + x3[2] + x3[3],
        x4[0] + x4[1] + x4[2] + x4[3],
        x5[0] + x5[1] + x5[2],
        aNonce, fee
    ]);
    signal y3[3];
    y3[0] <== isNftTransfer * accountB;
    y3[1] <== isToFast * token;
    y3[2] <== isCancel * nftId;
    signal y4[2];
    y4[0] <== isNftTransfer * nftId;
    y4[1] <== isToFast * amount;
    signal m7 <== Poseidon(7)([
        txType, CHAIN_ID, accountA, y3[0] + y3[1] + y3[2], y4[0] + y4[1], aNonce, fee
    ]);
    signal sevenInputs <== isNftTransfer + isToFast + isCancel;
    signal message <== m8 + sevenInputs * (m7 - m8);

    component signature = KeyAndSignature();
    signature.enabled <== isSigned;
    signature.Ax <== aPubKeyX;
    signature.Ay <== aPubKeyY;
    signature.S <== sigS;
    signature.R8x <== sigR8x;
    signature.R8y <== sigR8y;
    signature.M <== message;

    // ---- Balances, within the amount width: no overspend, no overflow, and the escrow never
    // below zero (a MoveFromFast debits B, the escrow) ----
    signal aDebit <== aDebits * amount;
    signal aCredit <== aCredits * amount;
    signal bCredit <== bCredits * amount;
    signal bDebit <== isFromFast * amount;
    signal aNewBalance <== aBalance - aDebit + aCredit;
    signal bNewBalance <== bBalance + bCredit - bDebit;
    _ <== Num2Bits(AMOUNT_BITS)(aNewBalance);
    _ <== Num2Bits(AMOUNT_BITS)(bNewBalance);

    component aBalanceWrite = LeafUpdate(TD);
    aBalanceWrite.enabled <== movesBalance;
    aBalanceWrite.oldRoot <== aBalancesRoot;
    aBalanceWrite.oldLeaf <== aBalance;
    aBalanceWrite.newLeaf <== aNewBalance;
    aBalanceWrite.bits <== tokenBits;
    aBalanceWrite.siblings <== aBalancePath;

    component bBalanceWrite = LeafUpdate(TD);
    bBalanceWrite.enabled <== bMoves;
    bBalanceWrite.oldRoot <== bBalancesRoot;
    bBalanceWrite.oldLeaf <== bBalance;
    bBalanceWrite.newLeaf <== bNewBalance;
    bBalanceWrite.bits <== tokenBits;
    bBalanceWrite.siblings <== bBalancePath;

    // ---- Accounts: leaf = Poseidon(pk_x, pk_y, eth_address, nonce, balances_root) ----
    // A: a signed type bumps the nonce; RegisterKey writes into an empty leaf; a system type
    // opens the existing leaf (so the account exists) and only its balances change.
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

    // B: the recipient, escrow or seller whose balance moves, opened under the root A's write
    // left.
    component bWrite = LeafUpdate(AD);
    bWrite.enabled <== bMoves;
    bWrite.oldRoot <== aWrite.newRoot;
    bWrite.oldLeaf <== Poseidon(5)([bPubKeyX, bPubKeyY, bAddress, bNonce, bBalancesRoot]);
    bWrite.newLeaf <== Poseidon(5)([bPubKeyX, bPubKeyY, bAddress, bNonce, bBalanceWrite.newRoot]);
    bWrite.bits <== bBits;
    bWrite.siblings <== bPath;

    // ---- NFTs: leaf = Poseidon(owner, collection, content, list_token, list_price,
    // list_expiry) ----
    // NftMint and GameMint write into the empty leaf at the next id; the others open the NFT
    // of its owner (A; B, the seller, for an NftBuy). The new owner is B for NftMint and
    // NftTransfer, else A; only an NftList leaves a listing.
    signal oldOwner <== accountA + isBuy * (accountB - accountA);
    signal nftOldLeaf <== Poseidon(6)(
        [oldOwner, collectionId, contentHash, listToken, listPrice, listExpiry]
    );
    signal toB <== isMint + isNftTransfer;
    signal newOwner <== accountA + toB * (accountB - accountA);
    component nftWrite = LeafUpdate(ND);
    nftWrite.enabled <== insertsNft + opensNft;
    nftWrite.oldRoot <== nftsRoot;
    nftWrite.oldLeaf <== opensNft * nftOldLeaf;
    nftWrite.newLeaf <== Poseidon(6)(
        [newOwner, collectionId, contentHash, isList * token, isList * amount, isList * expiry]
    );
    nftWrite.bits <== nftBits;
    nftWrite.siblings <== nftPath;

    // ---- Collections: leaf = Poseidon(minter, cap, round, minted) ----
    // NftMint reads it (minter = A's address, an ordinary collection: the leaf is unchanged);
    // CreateCollection writes into an empty leaf; GameMint moves the round and the count.
    signal minter <== l1Address + isMint * (aAddress - l1Address);
    signal collOldLeaf <== Poseidon(4)([minter, cap, collRound, collMinted]);
    signal sameRoundMinted <== sameRound * collMinted;
    signal newMinted <== isGameMint * (1 + sameRoundMinted);
    component collectionWrite = LeafUpdate(CD);
    collectionWrite.enabled <== writesCollection;
    collectionWrite.oldRoot <== collectionsRoot;
    collectionWrite.oldLeaf <== (1 - isCreate) * collOldLeaf;
    collectionWrite.newLeaf <== Poseidon(4)([minter, cap, isGameMint * round, newMinted]);
    collectionWrite.bits <== collectionBits;
    collectionWrite.siblings <== collectionPath;

    // ---- The new root ----
    signal newRootComputed <== Poseidon(5)([
        bWrite.newRoot,
        nftWrite.newRoot,
        collectionWrite.newRoot,
        nextAccountIndex + isRegister,
        nextNftId + insertsNft
    ]);
    newRoot === newRootComputed;

    // ---- The public data (README.md, docs/hybrid.md): txData[0] packs the narrow fields
    // big-endian behind the type byte; txData[1] and txData[2] carry the wide ones. Injective:
    // every field is range-checked above to its width in the record, and the type byte fixes
    // the layout; types of one layout share a term with the type byte as a variable. A Deposit
    // publishes account A's own address as its recipient: so the credited account is bound to
    // the address L1 recorded for the deposit. ----
    signal header[12];
    header[0] <== isRegister * (TX_REGISTER_KEY() * 2**224 + fee * 2**160 + aAddress);
    header[1] <== isTransfer * (
        TX_TRANSFER() * 2**144 + fee * 2**80 + accountA * 2**48 + accountB * 2**16 + token
    );
    header[2] <== isMint * (
        TX_NFT_MINT() * 2**144 + fee * 2**80 + accountA * 2**48 + collectionId * 2**32 + accountB
    );
    // NftTransfer (from, to, nft) and NftCancel (owner, nft)
    header[3] <== isNftTransfer * (
        TX_NFT_TRANSFER() * 2**160 + fee * 2**96 + accountA * 2**64 + accountB * 2**32 + nftId
    );
    header[8] <== isCancel * (TX_NFT_CANCEL() * 2**128 + fee * 2**64 + accountA * 2**32 + nftId);
    // Deposit and MoveFromFast: type ‖ fee ‖ id (8) ‖ to (4) ‖ token (2)
    header[4] <== (isDeposit + isFromFast) * (
        txType * 2**176 + fee * 2**112 + eventId * 2**48 + accountA * 2**16 + token
    );
    // Withdraw and MoveToFast: type ‖ fee ‖ from (4) ‖ token (2)
    header[5] <== (isWithdraw + isToFast) * (
        txType * 2**112 + fee * 2**48 + accountA * 2**16 + token
    );
    // CreateCollection: type ‖ fee ‖ creator (4) ‖ collection (2) ‖ cap (4); GameMint: type ‖
    // fee ‖ report (8) ‖ collection (2) ‖ round (4) ‖ to (4)
    header[6] <== isCreate * (
        TX_CREATE_COLLECTION() * 2**144 + fee * 2**80 + accountA * 2**48 + collectionId * 2**32
        + cap
    );
    header[9] <== isGameMint * (
        TX_GAME_MINT() * 2**208 + fee * 2**144 + eventId * 2**80 + collectionId * 2**64
        + round * 2**32 + accountA
    );
    // NftList (expiry) and NftBuy (the block's time): type ‖ fee ‖ A (4) ‖ nft (4) ‖ token (2)
    // ‖ seconds (8)
    header[7] <== (isList + isBuy) * (
        txType * 2**208 + fee * 2**144 + accountA * 2**112 + nftId * 2**80 + token * 2**64
    );
    header[10] <== isList * expiry;
    header[11] <== isBuy * time;
    txData[0] === header[0] + header[1] + header[2] + header[3] + header[4] + header[5]
        + header[6] + header[7] + header[8] + header[9] + header[10] + header[11];

    signal wide1[5];
    wide1[0] <== isRegister * aPubKeyX;
    wide1[1] <== (isTransfer + isMove + isList + isBuy) * amount;
    wide1[2] <== insertsNft * contentHash;
    wide1[3] <== isDeposit * aAddress;
    wide1[4] <== (isWithdraw + isCreate) * l1Address;
    txData[1] === wide1[0] + wide1[1] + wide1[2] + wide1[3] + wide1[4];
    // GameMint publishes the reporting game, the collection's minter (opened above).
    signal wide2[3];
    wide2[0] <== isRegister * aPubKeyY;
    wide2[1] <== (isDeposit + isWithdraw) * amount;
    wide2[2] <== isGameMint * l1Address;
    txData[2] === wide2[0] + wide2[1] + wide2[2];
}
