package cfntemplate

import (
	"fmt"
	"math/big"
	"net/netip"
)

// cidrSubnets implements Fn::Cidr: count consecutive subnets of
// (address bits - cidrBits) prefix length carved from ipBlock.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html
func cidrSubnets(ipBlock string, count, cidrBits int) ([]string, error) {
	prefix, err := netip.ParsePrefix(ipBlock)
	if err != nil {
		return nil, fmt.Errorf("invalid ipBlock %q", ipBlock)
	}
	prefix = prefix.Masked()
	total := prefix.Addr().BitLen()
	newLen := total - cidrBits
	if count < 1 || count > 256 || cidrBits < 0 || newLen < prefix.Bits() || newLen > total {
		return nil, fmt.Errorf("cannot carve %d subnets with %d host bits from %s", count, cidrBits, ipBlock)
	}
	available := new(big.Int).Lsh(big.NewInt(1), uint(newLen-prefix.Bits()))
	if available.Cmp(big.NewInt(int64(count))) < 0 {
		return nil, fmt.Errorf("cannot carve %d subnets with %d host bits from %s", count, cidrBits, ipBlock)
	}
	base := new(big.Int).SetBytes(prefix.Addr().AsSlice())
	step := new(big.Int).Lsh(big.NewInt(1), uint(cidrBits))
	out := make([]string, 0, count)
	for i := 0; i < count; i++ {
		v := new(big.Int).Add(base, new(big.Int).Mul(step, big.NewInt(int64(i))))
		buf := v.FillBytes(make([]byte, total/8))
		addr, _ := netip.AddrFromSlice(buf)
		out = append(out, netip.PrefixFrom(addr, newLen).String())
	}
	return out, nil
}
