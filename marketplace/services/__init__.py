"""Write-side use cases, one module per aggregate. Each public function is one transaction."""
