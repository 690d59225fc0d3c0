pragma circom 2.1.0;

// An L2 key and, when `enabled`, an EdDSA-Poseidon signature under it: circomlib's
// EdDSAPoseidonVerifier (eddsaposeidon.circom) with its checks split in two, so that the rules
// are exactly those of src/zkbraid/crypto/eddsa.py `verify` and `is_valid_public_key`:
//
// - always: the key A is on BabyJubJub and 8·A is not the identity (not of small order). Every
//   transaction type has a key: RegisterKey the new one, the others account A's (the sender's,
//   or a Deposit's credited account), which passed this same check when it was registered;
// - when enabled: R8 is on the curve (circomlib leaves that out; the Python verifier refuses an
//   off-curve R8, and both must agree), S < the subgroup order, and
//   S·Base8 == R8 + (8·Poseidon(R8x, R8y, Ax, Ay, M))·A.
//
// Disabled (RegisterKey, whose authorisation is an Ethereum signature checked outside the
// circuit, and the unsigned Deposit), R8 and S must be given as 0.

include "babyjub.circom";
include "bitify.circom";
include "comparators.circom";
include "compconstant.circom";
include "escalarmulany.circom";
include "escalarmulfix.circom";
include "poseidon.circom";

template KeyAndSignature() {
    signal input enabled;
    signal input Ax;
    signal input Ay;
    signal input S;
    signal input R8x;
    signal input R8y;
    signal input M;

    var A_COEFF = 168700;
    var D_COEFF = 168696;
    var SUB_ORDER_MINUS_1 = 2736030358979909402780800718157159386076813972158567259200215660948447373040;
    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];

    // The key: on the curve, and 8·A (computed by three doublings) not the identity.
    component onCurve = BabyCheck();
    onCurve.x <== Ax;
    onCurve.y <== Ay;
    component dbl1 = BabyDbl();
    dbl1.x <== Ax;
    dbl1.y <== Ay;
    component dbl2 = BabyDbl();
    dbl2.x <== dbl1.xout;
    dbl2.y <== dbl1.yout;
    component dbl3 = BabyDbl();
    dbl3.x <== dbl2.xout;
    dbl3.y <== dbl2.yout;
    signal smallOrder <== IsZero()(dbl3.xout);
    smallOrder === 0;

    // R8 on the curve, when enabled.
    signal r8x2 <== R8x * R8x;
    signal r8y2 <== R8y * R8y;
    signal r8x2y2 <== r8x2 * r8y2;
    enabled * (A_COEFF * r8x2 + r8y2 - 1 - D_COEFF * r8x2y2) === 0;

    // S < subgroup order, when enabled (S < 2^253 always).
    signal sBits[253] <== Num2Bits(253)(S);
    component sBelowOrder = CompConstant(SUB_ORDER_MINUS_1);
    for (var i = 0; i < 253; i++) {
        sBelowOrder.in[i] <== sBits[i];
    }
    sBelowOrder.in[253] <== 0;
    sBelowOrder.out * enabled === 0;

    // h = Poseidon(R8, A, M); right = R8 + h·(8·A); left = S·Base8.
    signal h <== Poseidon(5)([R8x, R8y, Ax, Ay, M]);
    signal hBits[254] <== Num2Bits_strict()(h);
    component hA = EscalarMulAny(254);
    hA.e <== hBits;
    hA.p[0] <== dbl3.xout;
    hA.p[1] <== dbl3.yout;
    component right = BabyAdd();
    right.x1 <== R8x;
    right.y1 <== R8y;
    right.x2 <== hA.out[0];
    right.y2 <== hA.out[1];
    component left = EscalarMulFix(253, BASE8);
    left.e <== sBits;

    component eqX = ForceEqualIfEnabled();
    eqX.enabled <== enabled;
    eqX.in[0] <== left.out[0];
    eqX.in[1] <== right.xout;
    component eqY = ForceEqualIfEnabled();
    eqY.enabled <== enabled;
    eqY.in[0] <== left.out[1];
    eqY.in[1] <== right.yout;
}
