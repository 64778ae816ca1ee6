"""The benefits context: taxable benefit of staff discounts (DE, US, UK) and the payroll export."""
