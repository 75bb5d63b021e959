//! A generated property and its units: the seed's property and unit objects.

use chrono::NaiveDateTime;

use super::calendar;
use super::catalog::{LATE_FEES, SITES, Site};
use super::cents::Cents;
use super::rng::Rng;

pub struct Property {
    /// 1-based; the id is `prop_0001` whatever the seed, so that override files apply.
    pub index: u32,
    pub id: String,
    pub name: String,
    /// Entrata's property code, `LV-OMA-001`.
    pub code: String,
    pub site: &'static Site,
    pub line1: String,
    pub late_fee: Cents,
    /// Share of units let when the generated period starts, per ten thousand.
    pub occupancy_10k: u32,
    pub updated_at: NaiveDateTime,
    pub units: Vec<Unit>,
}

pub struct Unit {
    pub id: String,
    pub number: String,
    pub building_id: String,
    pub floor: u32,
    pub bedrooms: u32,
    pub bathrooms: u32,
    pub square_feet: u32,
    pub floorplan: String,
    pub market_rent: Cents,
    pub amenities: Vec<&'static str>,
}

const AMENITIES: [&str; 8] = [
    "Balcony",
    "In-Unit Laundry",
    "Covered Parking",
    "Walk-In Closet",
    "Fireplace",
    "Patio",
    "Stainless Appliances",
    "Hardwood Floors",
];

/// Base monthly rent and base size of a floorplan by bedrooms, before the site's rent level.
fn base_plan(bedrooms: u32) -> (i64, u32) {
    match bedrooms {
        1 => (950, 650),
        2 => (1250, 950),
        _ => (1550, 1250),
    }
}

pub fn property_id(index: u32) -> String {
    format!("prop_{index:04}")
}

/// The site, name and short name of property `index` (1-based).
pub fn names(index: u32) -> (&'static Site, String, String) {
    let site = &SITES[(index.saturating_sub(1) as usize) % SITES.len()];
    let round = index.saturating_sub(1) / SITES.len() as u32;
    if round == 0 {
        (site, site.name.to_owned(), site.short.to_owned())
    } else {
        (site, format!("{} {}", site.name, round + 1), format!("{} {}", site.short, round + 1))
    }
}

/// The property with 1-based `index`. Names, places and ids depend only on the index; sizes,
/// rents and fees also on the seed.
pub fn build(seed: u64, index: u32) -> Property {
    let (site, name, _) = names(index);
    let mut rng = Rng::derive(seed, &[u64::from(index), 1]);
    let street_number = 100 + 25 * rng.range(0, 60);
    let late_fee = Cents::dollars(*rng.pick(&LATE_FEES));
    let occupancy_10k = rng.range(9_200, 9_700) as u32;
    let updated_at = calendar::at(
        calendar::add_days(calendar::last_month().first_day(), -rng.range(10, 60)),
        rng.range(13, 22),
        rng.range(0, 59),
        rng.range(0, 59),
    );
    let units = build_units(&mut rng, index, site);
    Property {
        index,
        id: property_id(index),
        name,
        code: format!("{}-{}-{index:03}", site.abbr, site.city_code),
        site,
        line1: format!("{street_number} {}", site.street),
        late_fee,
        occupancy_10k,
        updated_at,
        units,
    }
}

fn build_units(rng: &mut Rng, index: u32, site: &Site) -> Vec<Unit> {
    let count = rng.range(80, 250) as u32;
    let floors = rng.range(2, 4) as u32;
    let per_floor = rng.range(6, 12) as u32;
    let per_building = floors * per_floor;
    // Two sizes per bedroom count, fixed for the property: its floorplans.
    let plans: Vec<(u32, u32, u32)> = [1, 2, 3]
        .into_iter()
        .flat_map(|beds| {
            let (_, base_sqft) = base_plan(beds);
            let small = base_sqft + 5 * rng.range(0, 10) as u32;
            let large = small + 5 * rng.range(10, 30) as u32;
            let baths = if beds == 1 { 1 } else { 2 };
            [(beds, baths, small), (beds, baths, large)]
        })
        .collect();
    (0..count)
        .map(|n| {
            let building = char::from(b'A' + ((n / per_building) % 26) as u8);
            let within = n % per_building;
            let floor = within / per_floor + 1;
            let number = format!("{building}-{floor}{:02}", within % per_floor + 1);
            let plan = rng.weighted(&[(0usize, 25), (1, 20), (2, 20), (3, 20), (4, 8), (5, 7)]);
            let (bedrooms, bathrooms, square_feet) = plans[plan];
            let (base_rent, base_sqft) = base_plan(bedrooms);
            let dollars = (base_rent + i64::from(square_feet - base_sqft)) * site.rent_level_pct / 100
                + 10 * i64::from(floor - 1);
            let mut amenities: Vec<&'static str> = Vec::new();
            for _ in 0..rng.range(1, 3) {
                let pick = *rng.pick(&AMENITIES);
                if !amenities.contains(&pick) {
                    amenities.push(pick);
                }
            }
            Unit {
                id: format!("unit_{index:04}_{:04}", n + 1),
                number,
                building_id: format!("bld_{index:04}_{building}"),
                floor,
                bedrooms,
                bathrooms,
                square_feet,
                floorplan: format!("{bedrooms}B-{bathrooms}B-{square_feet}"),
                market_rent: Cents::dollars(dollars).to_step(5),
                amenities,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_do_not_depend_on_the_seed() {
        let a = build(1, 1);
        let b = build(99, 1);
        assert_eq!(
            (a.id.as_str(), a.name.as_str(), a.code.as_str()),
            ("prop_0001", "Lakeview Apartments", "LV-OMA-001")
        );
        assert_eq!((a.id, a.name, a.code), (b.id, b.name, b.code));
        let (_, name, short) = names(21);
        assert_eq!((name.as_str(), short.as_str()), ("Lakeview Apartments 2", "Lakeview 2"));
    }

    #[test]
    fn units_are_realistic() {
        for index in 1..=20 {
            let p = build(5, index);
            assert!((80..=250).contains(&p.units.len()), "{}", p.units.len());
            for unit in &p.units {
                assert!(unit.market_rent >= Cents::dollars(800) && unit.market_rent <= Cents::dollars(4000));
                assert_eq!(unit.market_rent.0 % 500, 0);
                assert!(!unit.amenities.is_empty());
            }
        }
    }
}
