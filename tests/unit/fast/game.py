"""A small game contract for the fast-chain tests, compiled once (nothing compiles at test time).

Compiled with solc-js 0.8.28+commit.7893614a (the repo's pinned npm `solc`), optimizer on (200
runs), evmVersion cancun; the bytecode uses PUSH0, MCOPY (`echo`) and TSTORE/TLOAD (`busy`).

    // SPDX-License-Identifier: MIT
    pragma solidity 0.8.28;

    contract Game {
        event Scored(address indexed player, uint256 points, uint256 total);

        error TooMany(uint256 points);

        uint256 public total;
        mapping(address => uint256) public scores;
        uint256 transient busy;

        constructor(uint256 start) {
            total = start;
        }

        function score(uint256 points) external {
            require(points > 0, "no points");
            if (points > 1000) revert TooMany(points);
            require(busy == 0, "busy");
            busy = 1;
            scores[msg.sender] += points;
            total += points;
            emit Scored(msg.sender, points, total);
            busy = 0;
        }

        function echo(bytes calldata data) external pure returns (bytes memory) {
            return data;
        }

        function blockInfo() external view returns (uint256, uint256, uint256, bytes32) {
            return (block.number, block.timestamp, block.basefee, blockhash(block.number - 1));
        }
    }
"""

from typing import Any

GAME_BYTECODE = bytes.fromhex(
    "6080604052348015600e575f5ffd5b50604051610426380380610426833981016040819052602b916031565b"
    "5f556047565b5f602082840312156040575f5ffd5b5051919050565b6103d2806100545f395ff3fe60806040"
    "5234801561000f575f5ffd5b5060043610610055575f3560e01c806315cad552146100595780632ddbd13a14"
    "610086578063624fbfdc1461009c57806376dd110f146100bc578063d1730f1f146100db575b5f5ffd5b6100"
    "616100f0565b6040805194855260208501939093529183015260608201526080015b60405180910390f35b61"
    "008e5f5481565b60405190815260200161007d565b6100af6100aa36600461027b565b610111565b60405161"
    "007d91906102e9565b61008e6100ca36600461031e565b60016020525f908152604090205481565b6100ee61"
    "00e936600461034b565b610152565b005b5f808080434248610102600184610376565b409350935093509350"
    "90919293565b606082828080601f016020809104026020016040519081016040528093929190818152602001"
    "8383808284375f920191909152509293505050505b92915050565b5f81116101925760405162461bcd60e51b"
    "81526020600482015260096024820152686e6f20706f696e747360b81b60448201526064015b604051809103"
    "90fd5b6103e88111156101b857604051635bf4930560e11b815260048101829052602401610189565b5f5c15"
    "6101f05760405162461bcd60e51b8152600401610189906020808252600490820152636275737960e01b6040"
    "82015260600190565b6001805f5d50335f908152600160205260408120805483929061021490849061038956"
    "5b92505081905550805f5f82825461022b9190610389565b90915550505f5460405133917fe02aefba6b29ba"
    "a071f9988a94f062569432af93a20b4e281343a4fafa5c01229161026b91858252602082015260400190565b"
    "60405180910390a25f80805d5050565b5f5f6020838503121561028c575f5ffd5b823567ffffffffffffffff"
    "8111156102a2575f5ffd5b8301601f810185136102b2575f5ffd5b803567ffffffffffffffff8111156102c8"
    "575f5ffd5b8560208284010111156102d9575f5ffd5b6020919091019590945092505050565b602081525f82"
    "518060208401528060208501604085015e5f604082850101526040601f19601f830116840101915050929150"
    "50565b5f6020828403121561032e575f5ffd5b81356001600160a01b0381168114610344575f5ffd5b939250"
    "5050565b5f6020828403121561035b575f5ffd5b5035919050565b634e487b7160e01b5f5260116004526024"
    "5ffd5b8181038181111561014c5761014c610362565b8082018082111561014c5761014c61036256fea26469"
    "70667358221220cc1d8a76c865f2cead01d086cdc47e16517c2c1b38b9c3d835114f911ab566fb64736f6c63"
    "4300081c0033"
)

GAME_ABI: list[dict[str, Any]] = [
    {
        "inputs": [{"internalType": "uint256", "name": "start", "type": "uint256"}],
        "stateMutability": "nonpayable",
        "type": "constructor",
    },
    {
        "inputs": [{"internalType": "uint256", "name": "points", "type": "uint256"}],
        "name": "TooMany",
        "type": "error",
    },
    {
        "anonymous": False,
        "inputs": [
            {"indexed": True, "internalType": "address", "name": "player", "type": "address"},
            {"indexed": False, "internalType": "uint256", "name": "points", "type": "uint256"},
            {"indexed": False, "internalType": "uint256", "name": "total", "type": "uint256"},
        ],
        "name": "Scored",
        "type": "event",
    },
    {
        "inputs": [],
        "name": "blockInfo",
        "outputs": [
            {"internalType": "uint256", "name": "", "type": "uint256"},
            {"internalType": "uint256", "name": "", "type": "uint256"},
            {"internalType": "uint256", "name": "", "type": "uint256"},
            {"internalType": "bytes32", "name": "", "type": "bytes32"},
        ],
        "stateMutability": "view",
        "type": "function",
    },
    {
        "inputs": [{"internalType": "bytes", "name": "data", "type": "bytes"}],
        "name": "echo",
        "outputs": [{"internalType": "bytes", "name": "", "type": "bytes"}],
        "stateMutability": "pure",
        "type": "function",
    },
    {
        "inputs": [{"internalType": "uint256", "name": "points", "type": "uint256"}],
        "name": "score",
        "outputs": [],
        "stateMutability": "nonpayable",
        "type": "function",
    },
    {
        "inputs": [{"internalType": "address", "name": "", "type": "address"}],
        "name": "scores",
        "outputs": [{"internalType": "uint256", "name": "", "type": "uint256"}],
        "stateMutability": "view",
        "type": "function",
    },
    {
        "inputs": [],
        "name": "total",
        "outputs": [{"internalType": "uint256", "name": "", "type": "uint256"}],
        "stateMutability": "view",
        "type": "function",
    },
]
