# Freeze the lp_pool package; boards include this file from their own manifest.
package("lp_pool")
