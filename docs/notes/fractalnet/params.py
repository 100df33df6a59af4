"""Parameter counts for FractalNet CIFAR variants (plain arithmetic)."""
import itertools

def conv(cin, cout, k=3, bias=True):
    return cin*cout*k*k + (cout if bias else 0)

def bn(c, affine=True):
    # learnable BN params only (gamma, beta); running stats not counted
    return 2*c if affine else 0

def fractal(channels, C, in_ch=3, classes=10, conv_bias=True, bn_affine=True,
            doubling=False, doubling_bn=True, fc_in_mult=1):
    n_convs = 2**C - 1           # convs per block
    total = 0
    cin = in_ch
    for cout in channels:
        blk = 0
        if doubling:             # 1x1 conv (+BN) cin->cout in front of block
            blk += conv(cin, cout, 1, conv_bias) + (bn(cout, bn_affine) if doubling_bn else 0)
            first_in = cout
        else:
            first_in = cin
        # first conv of each of the C columns reads the block input
        blk += C * (conv(first_in, cout, 3, conv_bias) + bn(cout, bn_affine))
        blk += (n_convs - C) * (conv(cout, cout, 3, conv_bias) + bn(cout, bn_affine))
        total += blk
        cin = cout
    total += cin*fc_in_mult*classes + classes   # FC on 1x1x512 after 5 poolings
    return total

CH = [64, 128, 256, 512, 512]
print("== Paper-channel (64,128,256,512,512) variants, CIFAR-10 head ==")
rows = []
for C in (3, 4):
    for doubling in (False, True):
        for conv_bias, bn_affine, tag in [(True, False, "caffe: conv bias, BN no affine (no Scale layer)"),
                                          (False, True, "pytorch: no conv bias, BN affine"),
                                          (True, True, "conv bias + BN affine")]:
            p = fractal(CH, C, doubling=doubling, conv_bias=conv_bias, bn_affine=bn_affine)
            rows.append((C, doubling, tag, p))
            print(f"C={C} layers={5*2**(C-1):2d} doubling={doubling!s:5}  {tag:50s} {p:>12,d}  ({p/1e6:.2f}M, {100*(p-38.6e6)/38.6e6:+.1f}% vs 38.6M)")

print()
print("== convolution weights only, per block, C=3 plain ==")
cin = 3
for cout in CH:
    w = 3*cin*cout*9 + 4*cout*cout*9
    print(f"  block {cin:>3}->{cout:<3}: {w:>11,d}")
    cin = cout

print()
print("== brute-force search: which (channels, C, doubling) give 38.6M / 22.9M within 1% ==")
opts = [32, 64, 128, 256, 512, 1024]
for target in (38.6e6, 22.9e6):
    hits = []
    for ch in itertools.product(opts, repeat=5):
        if any(ch[i] > ch[i+1] for i in range(4)):
            continue
        for C in (3, 4):
            for doubling in (False, True):
                p = fractal(list(ch), C, doubling=doubling, conv_bias=False, bn_affine=True)
                if abs(p - target) / target < 0.01:
                    hits.append((ch, C, doubling, p))
    print(f" target {target/1e6:.1f}M:")
    for h in hits:
        print(f"   channels={h[0]} C={h[1]} (layers={5*2**(h[1]-1)}) doubling={h[2]} -> {h[3]/1e6:.3f}M")

print()
print("== extra: hypothetical 'every conv is cout->cout' (channel change for free, no 1x1) ==")
def free_expand(channels, C, conv_bias=False, bn_affine=True):
    n = 2**C - 1; tot = 0; cin = 3
    for i, cout in enumerate(channels):
        first_in = cin if i == 0 else cout   # block 1 must still read RGB
        tot += C*(conv(first_in, cout, 3, conv_bias)+bn(cout, bn_affine)) + (n-C)*(conv(cout, cout, 3, conv_bias)+bn(cout, bn_affine))
        cin = cout
    return tot + cin*10 + 10
p = free_expand(CH, 3); print(f"C=3: {p:,d} ({p/1e6:.2f}M, {100*(p-38.6e6)/38.6e6:+.1f}%)")
